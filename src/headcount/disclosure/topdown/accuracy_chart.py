"""The accuracy report's chart: total-population error by level and by population-size bin.

Left, the mean absolute error and the mean error of every level's unit totals (a bias shows as a
mean error away from zero); right, the mean absolute error of the totals by the units' true size,
one line per level. Drawn with the tables' chart helpers (Agg, reproducible SVG and PNG, Chinese
and English labels where a CJK font exists).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib import rc_context

from headcount.disclosure.topdown.accuracy import BINS, bin_label
from headcount.tables.charts import bilingual, find_cjk_font, new_figure, save, style

_LEVEL_ZH = {
    "national": "全国", "province": "省", "prefecture": "地", "county": "县",
    "township": "乡", "small_area": "普查小区",
}  # fmt: skip


def _total(level: dict[str, Any]) -> dict[str, Any]:
    return next(row for row in level["queries"] if row["query"] == "total")


def draw(report: dict[str, Any], stem: Path) -> dict[str, Path]:
    """stem.svg and stem.png from an accuracy report (``accuracy.report``)."""
    font = find_cjk_font()
    with rc_context(style(font)):
        fig = new_figure(9.0, 3.6)
        left, right = fig.subplots(1, 2)
        levels = report["levels"]
        names = [bilingual(_LEVEL_ZH[lv["level"]], lv["level"], font) for lv in levels]
        mae = [_total(lv)["mae"] or 0.0 for lv in levels]
        me = [_total(lv)["me"] or 0.0 for lv in levels]
        xs = range(len(levels))
        left.bar([x - 0.2 for x in xs], mae, width=0.4, color="#3b6ea8",
                 label=bilingual("平均绝对误差", "MAE", font, " "))  # fmt: skip
        left.bar([x + 0.2 for x in xs], me, width=0.4, color="#c8553d",
                 label=bilingual("平均误差", "ME", font, " "))  # fmt: skip
        left.axhline(0, color="#555555", linewidth=0.5)
        left.set_xticks(list(xs), names, fontsize=7)
        left.set_ylabel(bilingual("人", "persons", font, " / "))
        left.legend(fontsize=7, frameon=False)
        left.set_title(bilingual("总人口误差（按层级）", "Total population error by level", font),
                       fontsize=9)  # fmt: skip
        labels = [bin_label(low, high) for low, high in BINS]
        for level in levels:
            by_bin = {row["bin"]: row["mae"] for row in _total(level)["bins"]}
            points = [(i, by_bin[b]) for i, b in enumerate(labels) if b in by_bin]
            if len(points) > 1:
                right.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                           markersize=3, label=level["level"])  # fmt: skip
        right.set_xticks(range(len(labels)), labels, fontsize=7)
        right.set_ylabel(bilingual("平均绝对误差（人）", "MAE (persons)", font, " / "))
        right.legend(fontsize=7, frameon=False)
        right.set_title(bilingual("按人口规模", "By population size", font), fontsize=9)
        fig.suptitle(bilingual("差分隐私发布的准确度", "Accuracy of the DP release", font, " · ")
                     + f"  ρ = {report.get('rho')}", fontsize=10)  # fmt: skip
        fig.tight_layout()
        return save(fig, stem)


__all__ = ["draw"]
