"""The audit trail: an append-only Merkle log (RFC 9162) with signed tree heads kept outside the
database. merkle.py, heads.py and verify_core.py are pure; log.py and verify.py add the database.
"""
