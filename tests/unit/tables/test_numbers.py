"""NBS number formatting: 万人 to two decimals, grouped integers, half-up, not available."""

from __future__ import annotations

import math

import pytest

from headcount.tables.numbers import (
    NOT_AVAILABLE,
    format_cell,
    format_figure,
    integer,
    kind_of,
    wan,
)


@pytest.mark.parametrize(
    ("indicator", "kind"),
    [
        ("population_total", "count"),
        ("households_family", "count"),
        ("urban_pct", "percent"),
        ("illiteracy_rate_2010_pct", "percent"),
        ("sex_ratio", "ratio"),
        ("sex_ratio_at_birth", "ratio"),
        ("edu_university_per_100k", "per_100k"),
        ("avg_family_household_size", "mean"),
        ("mean_years_schooling_15_plus_2010", "mean"),
        ("hmtf_total", "exact"),
        ("population", "count"),
        ("male_pct", "percent"),
    ],
)
def test_kind_follows_the_indicator_name(indicator: str, kind: str) -> None:
    assert kind_of(indicator) == kind


def test_the_published_headlines_print_as_the_nbs_printed_them() -> None:
    assert format_figure("population_total", 1_411_778_724, "zh") == "141177.87万人"
    assert format_figure("population_total", 1_411_778_724, "en") == "1,411,778,724"
    assert format_figure("households_family", 494_157_423, "zh") == "49415.74万户"
    assert format_figure("hukou_separated", 492_762_506, "zh") == "49276.25万人"
    assert format_figure("sex_ratio", 105.07, "zh") == "105.07"
    assert format_figure("age_0_14_pct", 17.95, "en") == "17.95%"
    assert format_figure("edu_university_per_100k", 15467, "zh") == "15467"
    assert format_figure("edu_university_per_100k", 15467, "en") == "15,467"
    assert format_figure("avg_family_household_size", 2.62, "zh") == "2.62"
    assert format_figure("hmtf_total", 1_430_695, "zh") == "1430695人"
    assert format_figure("hmtf_total", 1_430_695, "en") == "1,430,695"


def test_rounding_is_half_up_on_the_decimal_value() -> None:
    assert wan(12_250) == "1.23"  # 1.225: half-even would give 1.22
    assert wan(12_349) == "1.23"
    assert format_figure("urban_pct", 0.125, "en") == "0.13%"
    assert format_figure("urban_pct", 2.675, "en") == "2.68%"  # float 2.675 is 2.67499…
    assert format_figure("sex_ratio", 104.6, "en") == "104.60"
    assert format_figure("avg_family_household_size", 3.1, "en") == "3.10"
    assert format_figure("avg_family_household_size", 2.616, "en") == "2.62"
    assert format_figure("edu_primary_per_100k", 24766.5, "en") == "24,767"
    assert integer(0.5, grouped=False) == "1"


def test_small_counts_are_whole_in_chinese_and_wan_starts_at_ten_thousand() -> None:
    assert format_figure("population_total", 9_999, "zh") == "9999人"
    assert format_figure("population_total", 10_000, "zh") == "1.00万人"
    assert format_figure("population_total", 0, "zh") == "0人"
    assert format_figure("population_total", 0, "en") == "0"
    assert format_figure("households_collective", 12, "zh") == "12户"
    assert format_figure("population_total", 1_000_000.0, "en") == "1,000,000"


def test_no_negative_zero_and_negative_counts_keep_their_sign() -> None:
    assert format_figure("urban_pct", -0.001, "en") == "0.00%"
    assert format_figure("population_total", -72_053_872, "zh") == "-7205.39万人"
    assert format_figure("population_total", -1_234, "en") == "-1,234"


@pytest.mark.parametrize("value", [None, math.nan, math.inf])
def test_absent_values_are_not_available_never_zero(value: float | None) -> None:
    assert format_figure("population_total", value, "zh") == NOT_AVAILABLE["zh"]
    assert format_figure("urban_pct", value, "en") == NOT_AVAILABLE["en"]
    assert format_cell("sex_ratio", value, "zh") == "暂无"
    assert format_cell("sex_ratio", value, "en") == "n/a"


def test_non_numbers_are_refused() -> None:
    with pytest.raises(TypeError):
        format_figure("population_total", True, "zh")
    with pytest.raises(TypeError):
        format_figure("population_total", "12", "zh")  # type: ignore[arg-type]


def test_cells_carry_no_unit_and_counts_are_whole() -> None:
    assert format_cell("population", 21_893_095, "zh") == "21893095"
    assert format_cell("population", 21_893_095, "en") == "21,893,095"
    assert format_cell("male_pct", 51.14, "zh") == "51.14"
    assert format_cell("sex_ratio", 104.65, "en") == "104.65"
    assert format_cell("edu_university_per_100k", 41980, "en") == "41,980"
