"""``headcount synth --report DIR``: the generated marginals against the 2020 targets.

Person-level shares are tabulated from the census records the way a tabulator would (residence
records, §10 derivations of forms-2020.md) and divided by the true population; where a run covers
only some provinces, the targets are the published provincial values weighted by population (with
the same fallbacks the generator uses) and are marked as such.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl

from headcount import errors
from headcount.errors import HeadcountError
from headcount.synth import hmtf, migration, population, targets
from headcount.synth.writer import read_table

REQUIRED = ("manifest.json", "truth_persons", "persons", "households", "small_areas")


@dataclass(frozen=True, slots=True)
class ReportRow:
    indicator: str
    label_zh: str
    label_en: str
    unit: str
    target: float
    generated: float
    tolerance: float | None  # the acceptance tolerance at 1 M persons, where one is set

    @property
    def difference(self) -> float:
        return self.generated - self.target

    @property
    def within(self) -> bool | None:
        return None if self.tolerance is None else abs(self.difference) <= self.tolerance + 1e-9

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["difference"] = round(self.difference, 6)
        out["within_tolerance"] = self.within
        return out


@dataclass(frozen=True, slots=True)
class Report:
    manifest: dict[str, Any]
    scope: str  # "national" or "provinces"
    rows: list[ReportRow]

    def row(self, indicator: str) -> ReportRow:
        return next(r for r in self.rows if r.indicator == indicator)

    def to_json(self) -> dict[str, Any]:
        return {
            "persons": self.manifest.get("persons"),
            "seed": self.manifest.get("seed"),
            "provinces": self.manifest.get("provinces"),
            "scope": self.scope,
            "rows": [r.to_json() for r in self.rows],
        }


def load_manifest(root: Path) -> dict[str, Any]:
    for name in REQUIRED:
        if not (root / name).exists():
            raise HeadcountError(errors.SYNTH_NOT_A_POPULATION, path=str(root), table=name)
    try:
        manifest: dict[str, Any] = json.loads((root / "manifest.json").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise HeadcountError(
            errors.SYNTH_NOT_A_POPULATION, path=str(root), table="manifest.json"
        ) from None
    return manifest


def _targets(provinces: list[str]) -> tuple[str, dict[str, float]]:
    nat = targets.national()
    all_codes = set(targets.provinces())
    scope = "national" if set(provinces) == all_codes else "provinces"
    base = {
        "sex_male_pct": nat["sex_male_pct"],
        "age_0_14_pct": nat["age_0_14_pct"],
        "age_15_59_pct": nat["age_15_59_pct"],
        "age_60_plus_pct": nat["age_60_plus_pct"],
        "age_65_plus_pct": nat["age_65_plus_pct"],
        "ethnic_minorities_pct": nat["ethnic_minorities_pct"],
    }
    base.update(
        {f"edu_{lvl}_per_100k": nat[f"edu_{lvl}_per_100k"] for lvl in targets.EDUCATION_LEVELS}
    )
    base["sex_ratio"] = nat["sex_ratio"]
    if scope == "provinces":
        prov = [targets.provinces()[c] for c in provinces]
        total = sum(p.population for p in prov)

        def weighted(get: Any) -> float:
            return float(sum(get(p) * p.population for p in prov) / total)

        base["sex_male_pct"] = weighted(lambda p: p.male_pct)
        base["sex_ratio"] = 100 * base["sex_male_pct"] / (100 - base["sex_male_pct"])
        for k in targets.AGE_GROUPS:
            base[f"age_{k}_pct"] = weighted(lambda p, k=k: p.age_pct[k])
        base["ethnic_minorities_pct"] = weighted(lambda p: p.minority_pct)
        for lvl in targets.EDUCATION_LEVELS:
            base[f"edu_{lvl}_per_100k"] = weighted(lambda p, lvl=lvl: p.education_per_100k[lvl])
    return scope, base


def build(root: Path) -> Report:
    """The report of a generated directory; unreadable parts are a catalogued problem."""
    manifest = load_manifest(root)
    try:
        return _build(root, manifest)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise HeadcountError(
            errors.FILE_UNREADABLE, path=str(root), reason=type(exc).__name__
        ) from None


def _build(root: Path, manifest: dict[str, Any]) -> Report:
    nat = targets.national()
    scope, tg = _targets(list(manifest.get("provinces") or sorted(targets.provinces())))
    truth = read_table(root, "truth_persons")
    t = (
        truth.select(
            pl.len().alias("n"),
            (pl.col("sex") == 1).sum().alias("male"),
            (pl.col("sex") == 2).sum().alias("female"),
            (pl.col("age") < 15).sum().alias("a0_14"),
            ((pl.col("age") >= 15) & (pl.col("age") < 60)).sum().alias("a15_59"),
            (pl.col("age") >= 60).sum().alias("a60"),
            (pl.col("age") >= 65).sum().alias("a65"),
            ((pl.col("age") == 0) & (pl.col("sex") == 1)).sum().alias("b_m"),
            ((pl.col("age") == 0) & (pl.col("sex") == 2)).sum().alias("b_f"),
            pl.col("urban").sum().alias("urban"),
            pl.col("collective").sum().alias("collective"),
            (pl.col("ethnic_group") != "01").sum().alias("minority"),
            (pl.col("education") >= 6).sum().alias("e_univ"),
            (pl.col("education") == 5).sum().alias("e_senior"),
            (pl.col("education") == 4).sum().alias("e_junior"),
            (pl.col("education") == 3).sum().alias("e_primary"),
            pl.col("missed_by_census").sum().alias("missed"),
            (pl.col("move_class") == "within_city").sum().alias("within_city"),
            (pl.col("move_class") == "interprovincial").sum().alias("interprovincial"),
        )
        .collect()
        .row(0, named=True)
    )
    n = max(int(t["n"]), 1)
    census = (
        read_table(root, "persons")
        .select(
            (
                (pl.col("residence_at_reference") == 1)
                & pl.col("hukou_place").is_in([3, 4])
                & (pl.col("time_away_from_hukou") >= 3)
            )
            .sum()
            .alias("separated"),
            ((pl.col("literate") == 2) & (pl.col("residence_at_reference") == 1))
            .sum()
            .alias("illiterate"),
        )
        .collect()
        .row(0, named=True)
    )
    fam = (
        read_table(root, "households")
        .filter((pl.col("household_type") == 1) & (pl.col("persons_present") > 0))
        .select(pl.col("persons_present").sum().alias("p"), pl.len().alias("h"))
        .collect()
        .row(0, named=True)
    )
    hm = (
        read_table(root, "hmtf_persons").select(pl.len()).collect().item()
        if (root / "hmtf_persons").exists()
        else 0
    )
    deaths = (
        read_table(root, "death_forms").select(pl.len()).collect().item()
        if (root / "death_forms").exists()
        else 0
    )

    def pct(x: float) -> float:
        return 100.0 * float(x) / n

    rows = [
        ReportRow(
            "sex_ratio",
            "总人口性别比",
            "sex ratio (males per 100 females)",
            "ratio",
            tg["sex_ratio"],
            100 * t["male"] / max(t["female"], 1),
            0.5,
        ),
        ReportRow(
            "sex_ratio_at_birth",
            "出生人口性别比",
            "sex ratio of the reference year's births",
            "ratio",
            nat["sex_ratio_at_birth"],
            100 * t["b_m"] / max(t["b_f"], 1),
            None,
        ),
        ReportRow(
            "age_0_14_pct",
            "0-14岁人口占比",
            "aged 0–14",
            "%",
            tg["age_0_14_pct"],
            pct(t["a0_14"]),
            0.3,
        ),
        ReportRow(
            "age_15_59_pct",
            "15-59岁人口占比",
            "aged 15–59",
            "%",
            tg["age_15_59_pct"],
            pct(t["a15_59"]),
            0.3,
        ),
        ReportRow(
            "age_60_plus_pct",
            "60岁及以上人口占比",
            "aged 60+",
            "%",
            tg["age_60_plus_pct"],
            pct(t["a60"]),
            0.3,
        ),
        ReportRow(
            "age_65_plus_pct",
            "65岁及以上人口占比",
            "aged 65+",
            "%",
            tg["age_65_plus_pct"],
            pct(t["a65"]),
            0.3,
        ),
        ReportRow(
            "avg_family_household_size",
            "平均每个家庭户的人口",
            "persons per family household",
            "persons",
            nat["avg_family_household_size"],
            fam["p"] / max(fam["h"], 1),
            0.03,
        ),
        ReportRow(
            "collective_pct",
            "集体户人口占比",
            "persons in collective households",
            "%",
            100 * population.collective_share(),
            pct(t["collective"]),
            None,
        ),
        ReportRow(
            "urban_pct",
            "城镇人口占比",
            "urban population",
            "%",
            nat["urban_pct"],
            pct(t["urban"]),
            0.5,
        ),
        ReportRow(
            "hukou_separated_pct",
            "人户分离人口占比",
            "living away from the hukou township (≥ 6 months)",
            "%",
            100 * migration.separated_share(),
            pct(census["separated"]),
            0.5,
        ),
        ReportRow(
            "separated_within_city_pct",
            "市辖区内人户分离占比",
            "of which within one city's districts",
            "%",
            100 * nat["hukou_separated_within_city"] / nat["population_total"],
            pct(t["within_city"]),
            None,
        ),
        ReportRow(
            "floating_interprovincial_pct",
            "跨省流动人口占比",
            "of which interprovincial",
            "%",
            100 * nat["floating_interprovincial"] / nat["population_total"],
            pct(t["interprovincial"]),
            None,
        ),
        ReportRow(
            "ethnic_minorities_pct",
            "少数民族人口占比",
            "ethnic minorities",
            "%",
            tg["ethnic_minorities_pct"],
            pct(t["minority"]),
            0.3,
        ),
        ReportRow(
            "edu_university_per_100k",
            "每10万人中大学文化程度人数",
            "university per 100,000",
            "per 100k",
            tg["edu_university_per_100k"],
            1e5 * t["e_univ"] / n,
            None,
        ),
        ReportRow(
            "edu_senior_secondary_per_100k",
            "每10万人中高中文化程度人数",
            "senior secondary per 100,000",
            "per 100k",
            tg["edu_senior_secondary_per_100k"],
            1e5 * t["e_senior"] / n,
            None,
        ),
        ReportRow(
            "edu_junior_secondary_per_100k",
            "每10万人中初中文化程度人数",
            "junior secondary per 100,000",
            "per 100k",
            tg["edu_junior_secondary_per_100k"],
            1e5 * t["e_junior"] / n,
            None,
        ),
        ReportRow(
            "edu_primary_per_100k",
            "每10万人中小学文化程度人数",
            "primary per 100,000",
            "per 100k",
            tg["edu_primary_per_100k"],
            1e5 * t["e_primary"] / n,
            None,
        ),
        ReportRow(
            "illiteracy_rate_pct",
            "文盲率",
            "illiterate aged 15+ (of the whole population)",
            "%",
            nat["illiteracy_rate_pct"],
            pct(census["illiterate"]),
            None,
        ),
        ReportRow(
            "hmtf_per_100k",
            "港澳台和外籍人员(每10万人)",
            "HK/Macau/Taiwan residents and foreigners per 100,000",
            "per 100k",
            1e5 * hmtf.share(),
            1e5 * hm / n,
            None,
        ),
        ReportRow(
            "omission_rate_pct",
            "漏登率",
            "persons missed by the census",
            "%",
            nat["pes_omission_rate_pct"],
            pct(t["missed"]),
            None,
        ),
        ReportRow(
            "deaths_per_1000",
            "死亡人口(每千人)",
            "deaths in the reference year per 1,000",
            "‰",
            1000 * float(manifest.get("config", {}).get("death_rate", 0.0)),
            1000.0 * deaths / n,
            None,
        ),
    ]
    return Report(manifest=manifest, scope=scope, rows=rows)
