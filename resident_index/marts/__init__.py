"""Marts: what officers and analysts act on, built from the golden record.

counter_fraud/ (review lists with score, reason and evidence), electoral/ (the electoral register's validation, review
and canvass lists), service_demand/ (who uses which services, where and when). Every mart reads where
people live from residence evidence (evidence.sql) and is exported to data/exports/ (export.py).
"""
