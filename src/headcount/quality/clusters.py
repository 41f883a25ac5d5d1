"""Who is one person: the ID pseudonym first, then the model's links, never two IDs in one.

Every record starts in the group of its valid ID pseudonym (all records of one pseudonym are one
person: the deterministic pass), or alone when it has none. The model's links at or above the upper
threshold then join groups, strongest first, unless both groups already carry a (different) valid
pseudonym, or both a row of the same register: two valid ID numbers are two people, however alike
the rest looks, and so are two hukou registrations, two birth records or two deaths. The result is
the ``clusters`` table (``uid``, ``cluster_id``, ``score``, ``rule``) in the connection: ``score``
is 1 for a record placed by its pseudonym, else the probability of the link that placed it.
"""

from __future__ import annotations

import duckdb
import polars as pl

RULE_ID = "id_pseudonym"
RULE_MODEL = "splink"


def _find(parent: dict[int, int], x: int) -> int:
    root = x
    while parent.get(root, root) != root:
        root = parent[root]
    while parent.get(x, x) != root:  # path compression
        parent[x], x = root, parent[x]
    return root


def build(con: duckdb.DuckDBPyConnection, links: pl.DataFrame) -> int:
    """Create ``clusters`` from ``nodes`` and the accepted links (uid_l, uid_r,
    match_probability); returns how many links were refused (two IDs, or two rows of one
    register)."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE bases AS
        SELECT uid, CASE WHEN pid IS NULL THEN uid ELSE min(uid) OVER (PARTITION BY pid) END
          AS base, pid IS NOT NULL AS has_pid,
          CASE WHEN pid IS NOT NULL THEN 1 ELSE 0 END | CASE source WHEN 'hukou' THEN 2
            WHEN 'births' THEN 4 WHEN 'deaths' THEN 8 ELSE 0 END AS own
        FROM nodes"""
    )
    if links.height:
        con.register("links_in", links.to_arrow())
        ends = con.sql(
            """WITH ends AS (
              SELECT l.base AS bl, r.base AS br, k.match_probability AS p, k.uid_l, k.uid_r
              FROM links_in AS k JOIN bases AS l ON l.uid = k.uid_l
              JOIN bases AS r ON r.uid = k.uid_r),
            marks AS (SELECT base, bit_or(own) AS marks FROM bases
              WHERE base IN (SELECT bl FROM ends UNION SELECT br FROM ends) GROUP BY base)
            SELECT e.bl, e.br, ml.marks AS pl, mr.marks AS pr, e.p, e.uid_l, e.uid_r
            FROM ends AS e JOIN marks AS ml ON ml.base = e.bl JOIN marks AS mr ON mr.base = e.br
            ORDER BY e.p DESC, e.uid_l, e.uid_r"""
        ).pl()
        con.unregister("links_in")
    else:
        ends = pl.DataFrame()
    parent: dict[int, int] = {}
    carries: dict[int, int] = {}  # root → what its group holds: 1 pid, 2 hukou, 4 birth, 8 death
    attached: dict[int, float] = {}  # base → probability of the link that placed it
    refused = 0
    for bl, br, pl_, pr, p, uid_l, uid_r in ends.iter_rows():
        a, b = _find(parent, bl), _find(parent, br)
        if a == b:
            continue
        ca, cb = carries.get(a, pl_ if a == bl else 0), carries.get(b, pr if b == br else 0)
        if ca & cb:
            refused += 1
            continue
        keep, join = (a, b) if ca & 1 or (not cb & 1 and a < b) else (b, a)
        parent[join] = keep
        carries[keep] = ca | cb
        for uid in (uid_l, uid_r):
            attached[uid] = max(attached.get(uid, 0.0), p)
    roots = pl.DataFrame(
        {"base": list(parent), "root": [_find(parent, x) for x in parent]},
        schema={"base": pl.Int64, "root": pl.Int64},
    )
    placed = pl.DataFrame(
        {"uid": list(attached), "p": list(attached.values())},
        schema={"uid": pl.Int64, "p": pl.Float64},
    )
    con.register("roots_in", roots.to_arrow())
    con.register("placed_in", placed.to_arrow())
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE clusters AS
        SELECT b.uid, coalesce(r.root, b.base) AS cluster_id,
          CASE WHEN b.has_pid THEN 1.0 ELSE coalesce(p.p, 1.0) END AS score,
          CASE WHEN b.has_pid OR p.p IS NULL THEN '{RULE_ID}' ELSE '{RULE_MODEL}' END AS rule
        FROM bases AS b LEFT JOIN roots_in AS r ON r.base = b.base
        LEFT JOIN placed_in AS p ON p.uid = b.uid"""
    )
    con.unregister("roots_in")
    con.unregister("placed_in")
    con.execute("DROP TABLE bases")
    return refused


__all__ = ["RULE_ID", "RULE_MODEL", "build"]
