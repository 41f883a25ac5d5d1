"""Which dimension of which table is sensitive: the configuration behind the full-cell rule.

A table's dimension is *sensitive* when learning a person's value of it is a disclosure in
itself; the other dimensions (area, age, sex, urban/rural …) are what an outsider may already
know about someone, and together they define the *group* the person is in. The default, for the
standard tables of ``tables.specs``:

========================  ===========  =================================================
table                     sensitive    why
========================  ===========  =================================================
``education_age_sex``     education    attainment (and illiteracy) of a known age group
``ethnicity_sex``         ethnicity    ethnic identity (a "specific identity", PIPL art. 28)
``hmtf_origin_sex``       origin       HK / Macau / Taiwan identity or foreign nationality
========================  ===========  =================================================

Not configured: the age, sex, urban/rural, household size and type dimensions (known facts, the
group), ``deaths_age_sex`` (its only dimension is age) and ``mobility`` (its categories nest, so
a category holding everyone is not a full cell). A value that reveals nothing, ``not_stated``,
is never a full cell. A configuration is written ``TABLE=DIMENSION[,TABLE=DIMENSION…]``, or
``default`` or ``none``.
"""

from __future__ import annotations

from dataclasses import dataclass

from headcount import errors
from headcount.errors import HeadcountError

__all__ = ["DEFAULT_SENSITIVE", "NOT_DISCLOSING", "Sensitive", "parse_sensitive"]

NOT_DISCLOSING = frozenset({"not_stated"})


@dataclass(frozen=True, slots=True)
class Sensitive:
    table: str
    dimension: str

    def text(self) -> str:
        return f"{self.table}={self.dimension}"


DEFAULT_SENSITIVE: tuple[Sensitive, ...] = (
    Sensitive("education_age_sex", "education"),
    Sensitive("ethnicity_sex", "ethnicity"),
    Sensitive("hmtf_origin_sex", "origin"),
)


def parse_sensitive(text: str) -> tuple[Sensitive, ...]:
    """``default``, ``none`` or ``TABLE=DIMENSION,…``; E2156 for a malformed pair."""
    written = text.strip()
    if written == "default":
        return DEFAULT_SENSITIVE
    if written == "none":
        return ()
    chosen: list[Sensitive] = []
    for part in (p.strip() for p in written.split(",")):
        table, _, dimension = part.partition("=")
        table, dimension = table.strip(), dimension.strip()
        if not table.isidentifier() or not dimension.isidentifier():
            raise HeadcountError(
                errors.DISCLOSE_SENSITIVE_INVALID,
                table=table or "-",
                dimension=dimension or "-",
                reason="write TABLE=DIMENSION[,TABLE=DIMENSION…], default or none",
            )
        if dimension == "area_code":
            raise HeadcountError(
                errors.DISCLOSE_SENSITIVE_INVALID,
                table=table,
                dimension=dimension,
                reason="the area defines the group; it cannot be the sensitive dimension",
            )
        entry = Sensitive(table, dimension)
        if entry not in chosen:
            chosen.append(entry)
    return tuple(chosen)
