"""Protection of personal information: encryption, keys, blind indexes and masking.

crypto.py is the only module that calls a cipher; keys.py holds the key hierarchy (vault →
per-scope key-encryption keys → wrapped data keys); fields.py encrypts one value bound to its place;
blind_index.py looks identifiers up without decrypting; masking.py is what every output path shows.
"""
