"""The coverage chart of a PES estimate: net coverage error by post-stratum, with 95 % intervals.

One row per post-stratum (age group × sex × urban/rural), the estimate as a dot and its 95 %
interval as a bar, zero marked: a post-stratum left of zero was undercounted. Drawn like the
communiqués' charts (``tables.charts``: Agg canvas, reproducible SVG and PNG, Chinese and English
where a CJK font is installed).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from matplotlib import rc_context

from headcount.pes.estimate import Z95
from headcount.tables.charts import bilingual, find_cjk_font, new_figure, save, style

_AGES = ("0–17", "18–29", "30–49", "50+")
_SEX = {1: ("男", "men"), 2: ("女", "women")}


def _row_label(row: dict[str, object], font: str | None) -> str:
    age = _AGES[int(str(row["age_group"]))] if str(row.get("age_group", "")).isdigit() else "?"
    zh_sex, en_sex = _SEX.get(int(str(row.get("sex", 0) or 0)), ("?", "?"))
    urban = bool(row.get("urban"))
    zh = f"{age} 岁 {zh_sex} {'城镇' if urban else '乡村'}"
    en = f"{age} {en_sex} {'urban' if urban else 'rural'}"
    return bilingual(zh, en, font, " ")


def coverage_chart(post_strata: pl.DataFrame, stem: Path) -> dict[str, Path]:
    """stem.svg and stem.png from ``Estimate.post_strata`` (``net_pct``, ``net_pct_se``)."""
    font = find_cjk_font()
    rows = post_strata.sort([c for c in ("age_group", "sex", "urban") if c in post_strata.columns])
    labels = [_row_label(r, font) for r in rows.iter_rows(named=True)]
    net = rows["net_pct"].to_list()
    half = [Z95 * float(se) for se in rows["net_pct_se"].to_list()]
    with rc_context(style(font)):
        fig = new_figure(7.0, max(3.0, 0.28 * len(labels) + 1.4))
        ax = fig.add_subplot()
        y = list(range(len(labels)))
        ax.errorbar(net, y, xerr=half, fmt="o", color="#1f4e79", ecolor="#7fa7cc", capsize=2)
        ax.axvline(0, color="#333333", linewidth=0.6)
        ax.set_yticks(y, labels)
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.grid(axis="x", color="#dddddd", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.set_xlabel(bilingual("净覆盖误差（%）", "Net coverage error (%)", font, " / "))
        fig.suptitle(
            bilingual(
                "各事后分层的净覆盖误差及 95% 置信区间",
                "Net coverage error by post-stratum, with 95 % intervals",
                font,
            ),
            fontsize=11,
        )
        fig.tight_layout()
        return save(fig, stem)


__all__ = ["coverage_chart"]
