"""The quality report drawn: the score histogram as inline SVG, and ``OUT/report/index.html``.

``histogram_svg`` draws one area's ``scores`` (``quality.report``): one bar per bin on a
logarithmic scale (the links near 1 outnumber the rest by orders of magnitude), the part of each
bar at or above the upper threshold darker, and the two thresholds as vertical lines. Presentation
attributes only (no ``style``), so it sits inline in a page under a strict CSP; the office pages
use it too.

``index_html``: the processing centre's look at the output without the web: the national figures,
the histogram, every province, prefecture and county with its rates, and the national sample.
One file, because an office reads its own areas on the office pages (scoped to it); a file per
small area would be millions of files at national scale, and the JSON holds every area.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from headcount.quality import report as qr

WIDTH, HEIGHT, PAD = 480, 180, 28


def _x(value: float, lower: float) -> float:
    return PAD + (value - lower) / (1 - lower) * (WIDTH - 2 * PAD)


def histogram_svg(
    scores: dict[str, Any], edges: list[float], thresholds: dict[str, float], label: str
) -> str:
    """One area's score histogram (``label``: its accessible name) as an ``<svg>`` element."""
    bins = [int(n) for n in scores.get("bins", [])]
    lower, upper = float(thresholds["lower"]), float(thresholds["upper"])
    top = math.log10(1 + max(bins, default=0)) or 1.0
    plot = HEIGHT - 2 * PAD
    width = (WIDTH - 2 * PAD) / max(len(bins), 1)
    parts = [
        f'<svg class="histogram" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'stroke="#555"/>',
    ]
    links = int(scores.get("links", 0)) - sum(
        n for i, n in enumerate(bins) if edges[i] >= upper
    )  # the links inside the bin holding the upper threshold
    for i, n in enumerate(bins):
        if n == 0:
            continue
        x = PAD + i * width
        dark = n if edges[i] >= upper else links if edges[i] < upper < edges[i + 1] else 0
        for count, fill in ((n if n > dark else 0, "#8fb4d9"), (dark, "#1f4e79")):
            if count <= 0:
                continue  # a bin of links only is drawn dark once
            h = max(math.log10(1 + count) / top * plot, 1.0)
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{width - 2:.1f}" '
                f'height="{h:.1f}" fill="{fill}"><title>{edges[i]:.3f}–{edges[i + 1]:.3f}: '
                f"{count:,}</title></rect>"
            )
    for value in (lower, upper):
        x = _x(value, lower)
        parts.append(
            f'<line x1="{x:.1f}" y1="{PAD - 8}" x2="{x:.1f}" y2="{HEIGHT - PAD}" '
            'stroke="#b00020" stroke-dasharray="4 3"/>'
            f'<text x="{x:.1f}" y="{PAD - 12}" font-size="13" text-anchor="middle" '
            f'fill="#b00020">{value:g}</text>'
        )
    for tick in (lower, (lower + 1) / 2, 1.0):
        parts.append(
            f'<text x="{_x(tick, lower):.1f}" y="{HEIGHT - PAD + 14}" font-size="13" '
            f'text-anchor="middle" fill="#333">{tick:g}</text>'
        )
    parts.append(
        f'<text x="{PAD}" y="{HEIGHT - 2}" font-size="12" fill="#333">'
        f"log · max {max(bins, default=0):,}</text></svg>"
    )
    return "".join(parts)


def _rate(value: Any, per: str) -> str:
    return "—" if value is None else f"{value:.2f}{per}"


def _row(code: str, area: dict[str, Any]) -> str:
    c, r = area["counts"], area["rates"]
    cells = [
        f"{area['census_records']:,}",
        f"{c['duplicates']:,} ({_rate(r['duplicates'], ' %')})",
        f"{c['omissions']:,} ({_rate(r['omissions'], ' ‰')})",
        f"{c['erroneous']:,} ({_rate(r['erroneous'], ' %')})",
        f"{c['discrepancies']:,} ({_rate(r['discrepancies'], ' ‰')})",
        f"{c['double_registration']:,}",
        f"{c['review']:,}",
    ]
    return f"<tr><th scope=row>{escape(code)}</th>" + "".join(f"<td>{v}</td>" for v in cells)


_HEAD = (
    "<tr><th scope=col>地区 Area</th><th scope=col>普查记录 Census records</th>"
    "<th scope=col>重复 Duplicates</th><th scope=col>漏登 Omissions</th>"
    "<th scope=col>错登 Erroneous</th><th scope=col>不一致 Discrepancies</th>"
    "<th scope=col>人户分离 Double registration</th><th scope=col>待复核 Review</th></tr>"
)
_CASE = ("kind", "small_area_code", "household_id", "person_no", "register", "record_id", "score")


def index_html(doc: dict[str, Any], created_at: str) -> bytes:
    """``OUT/report/index.html``: national summary, areas down to the county, national sample."""
    areas: dict[str, Any] = doc["areas"]
    national = areas.get(qr.NATIONAL)
    rows = [
        _row(code, area)
        for code, area in areas.items()
        if area["level"] in ("national", "province", "prefecture", "county")
    ]
    svg = (
        histogram_svg(national["scores"], doc["histogram"]["edges"], doc["thresholds"], "CN")
        if national
        else ""
    )
    cases = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c.get(k) if c.get(k) is not None else '—'))}</td>"
                         for k in _CASE) + f"<td>{escape(str(c.get('detail') or '—'))}</td></tr>"
        for c in qr.sample(doc, qr.NATIONAL)
    )  # fmt: skip
    t = doc["thresholds"]
    html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>质量核查报告 Quality report</title>
<style>body{{font-family:sans-serif;margin:1rem;max-width:72rem}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}th[scope=row]{{text-align:left}}
.wrap{{overflow-x:auto}}svg{{max-width:480px}}</style></head><body>
<h1>质量核查报告 Quality report</h1>
<p>{escape(created_at)} · 阈值 thresholds {t["lower"]:g} / {t["upper"]:g} ·
quality_report.json: 每个普查小区及以上各级 every small area and above</p>
<h2>匹配概率分布 Match probabilities</h2>
<p>模型评分的记录对（低于下限的不保留）Pairs the model scored (none below the lower threshold
is kept); 深色 dark: ≥ {t["upper"]:g} links, 浅色 light: review.</p>{svg}
<h2>各地区 Areas (national → county)</h2>
<p>重复、错登：占普查记录 %；漏登、不一致：每千条普查记录 ‰.
Duplicates, erroneous: % of census records; omissions, discrepancies: per 1,000.</p>
<div class=wrap><table>{_HEAD}{"".join(rows)}</table></div>
<h2>案例样本 Sample of cases (national)</h2>
<p>仅为引用，无姓名 References only: the extract holds no names.</p>
<div class=wrap><table><tr>{"".join(f"<th scope=col>{k}</th>" for k in _CASE)}
<th scope=col>detail</th></tr>{cases}</table></div></body></html>
"""
    return html.encode()


__all__ = ["histogram_svg", "index_html"]
