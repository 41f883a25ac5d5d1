from __future__ import annotations

import numpy as np
import pytest

from headcount.errors import HeadcountError
from headcount.identity import divisions
from headcount.synth import geography


def test_plan_places_every_person_in_small_areas_under_real_townships() -> None:
    plan = geography.build_plan(60_000, geography.parse_provinces(None), 5, 20_000)
    assert int(plan.persons.sum()) == 60_000
    assert plan.persons.max() <= 2_000
    table = divisions()
    for code, area, town in zip(
        plan.code[:200], plan.census_area[:200], plan.township[:200], strict=True
    ):
        text = f"{int(code):015d}"
        assert text[:12] == f"{int(area):012d}"  # the small area lies inside its census area
        assert text[:9] == f"{int(town):09d}"
        assert table.get(text[:9]) is not None
    committee = plan.census_area % 1000
    assert np.all(np.where(plan.urban, (committee >= 1) & (committee <= 199), committee >= 200))
    small_no = plan.code % 1000
    assert np.all((small_no >= 1) & (small_no <= 4))
    assert set(np.unique(plan.urban_class).tolist()) <= {111, 112, 121, 122, 123, 210, 220}
    urban = plan.persons[plan.urban].sum() / plan.persons.sum()
    assert abs(urban - 0.6389) < 0.001
    assert len(set(plan.code.tolist())) == plan.size


def test_chunks_partition_the_plan_and_span_the_country() -> None:
    plan = geography.build_plan(60_000, geography.parse_provinces(None), 5, 20_000)
    assert plan.chunks == 3
    rows = np.concatenate([plan.chunk_rows(c) for c in range(plan.chunks)])
    assert sorted(rows.tolist()) == list(range(plan.size))
    assert np.unique(plan.province[plan.chunk_rows(0)]).size > 20


def test_province_subset_and_unknown_province() -> None:
    plan = geography.build_plan(5_000, geography.parse_provinces("31,11"), 1, 10_000)
    assert set(np.unique(plan.province).tolist()) == {11, 31}
    with pytest.raises(HeadcountError) as caught:
        geography.parse_provinces("11,99")
    assert caught.value.code == "E1303"
