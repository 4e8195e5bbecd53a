"""Resident 360 in the browser: find, the resident page, review, find-before-create ($match) and
emergency planning, every page through the access layer (resident_index/protection/access.py) and the
audit log. Reads the read snapshot only (resident_index/read_snapshot.py); writes the warehouse only to
record a verdict, as `resident-index review` does. docs/web.md."""
