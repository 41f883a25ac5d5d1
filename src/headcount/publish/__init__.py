"""The publication bundle (issue 11, part 5): the one way tables and communiqués leave the system.

    headcount publish TABLES [COMM …] --out BUNDLE [--min-cell 3] [--json]
    headcount publish --verify BUNDLE [--public-key FILE] [--json]

``build_bundle`` stages the sources beside ``BUNDLE``, runs the scan gate over every file and the
disclosure checks over every table file, and renames the staging directory into place only when
both pass; ``verify_bundle`` re-checks a bundle's digests, file list, signature and gates.

Modules, by what they hold:

* ``bundle``: building (stage → gates → bundle.json, SHA256SUMS → read-only → rename);
* ``verify``: checking a bundle again;
* ``disclosure``: the disclosure-check hook (protocol, registry) and its checks over the rules of
  ``headcount.disclosure`` (minimum cell size, full cells, dominance, p %);
* ``scanning``: the scan gate over a bundle, with the PNG rule; ``documents`` and ``images``:
  Parquet, JSON, SVG and PNG as the scanner's text units;
* ``sources``: which files go where; ``tables_index``: tables.json (``tables.index``) with
  the bundle's problems; ``table_files``:
  the rows of a CSV, Excel or Parquet table; ``signature``: the optional Ed25519 signature.

A pure domain package: it imports neither the web framework nor the database.
"""

from headcount.publish.bundle import FORMAT, PublicationRefused, Published, build_bundle
from headcount.publish.disclosure import (
    DEFAULT_MIN_CELL,
    DisclosureCheck,
    DisclosureFinding,
    DisclosureOptions,
    register,
    registered,
)
from headcount.publish.scanning import ALLOWED_SUFFIXES, scan_bundle
from headcount.publish.verify import BundleCheck, verify_bundle
from headcount.tables.index import LEVELS

__all__ = [
    "ALLOWED_SUFFIXES",
    "DEFAULT_MIN_CELL",
    "FORMAT",
    "LEVELS",
    "BundleCheck",
    "DisclosureCheck",
    "DisclosureFinding",
    "DisclosureOptions",
    "PublicationRefused",
    "Published",
    "build_bundle",
    "register",
    "registered",
    "scan_bundle",
    "verify_bundle",
]
