"""clusters.build: the ID pseudonym's groups, joined by the model's links, never two IDs nor two
rows of one register in one cluster."""

from __future__ import annotations

import duckdb
import polars as pl

from headcount.quality import clusters


def _nodes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TEMP TABLE nodes AS SELECT * FROM (VALUES
          (1, 'census', NULL::BLOB),   -- a newborn without ID
          (2, 'census', NULL),         -- another one, alike
          (3, 'births', NULL),         -- the first one's birth record (no child ID)
          (4, 'births', NULL),         -- the second one's
          (5, 'census', 'A'::BLOB),    -- a person with an ID ...
          (6, 'hukou', 'A'::BLOB),     -- ... and the hukou register's row of that ID
          (7, 'census', 'B'::BLOB)     -- another ID
        ) AS t(uid, source, pid)"""
    )


def _clusters(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    rows = con.execute("SELECT uid, cluster_id FROM clusters").fetchall()
    return {int(u): int(c) for u, c in rows}


def test_two_birth_records_or_two_ids_are_never_one_person() -> None:
    con = duckdb.connect()
    _nodes(con)
    links = pl.DataFrame(
        {
            "uid_l": [1, 2, 1, 5, 1],
            "uid_r": [3, 4, 2, 7, 5],
            "match_probability": [0.9999, 0.9999, 0.995, 0.999, 0.991],
        }
    )
    refused = clusters.build(con, links)
    c = _clusters(con)
    assert c[1] == c[3] and c[2] == c[4]  # each newborn with its own birth record
    assert c[1] != c[2]  # the look-alikes stay apart: that would be two birth records
    assert c[5] == c[6] and c[5] != c[7]  # one ID's records together, two IDs apart
    # 1 (with birth record 3) may join A's group (no ID, no birth record there): the model decides
    assert c[1] == c[5]
    assert refused == 2
    assert not con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'bases'"
    ).fetchall()[0][0]
