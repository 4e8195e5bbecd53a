"""Resident Index: one trustworthy record of every resident a council serves.

Importing the package makes the process write its files privately (resident_index.files).
"""

from resident_index.files import apply_private_umask

apply_private_umask()
