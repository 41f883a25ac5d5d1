from __future__ import annotations

import re

from headcount import errors


def test_catalogue_codes_are_unique_numbered_and_bilingual() -> None:
    assert errors.CATALOGUE
    for code, problem in errors.CATALOGUE.items():
        assert re.fullmatch(r"E\d{4}", code)
        assert problem.code == code
        assert 400 <= problem.status < 600
        assert problem.zh and problem.en
        assert re.search(r"[\u4e00-\u9fff]", problem.zh), code


def test_error_renders_both_languages_with_details() -> None:
    err = errors.HeadcountError(errors.ID_LENGTH, length=17)
    body = err.to_dict()
    assert body["code"] == "E1102"
    assert "17" in body["message"]["zh"] and "17" in body["message"]["en"]


def test_an_error_crosses_a_process_boundary_whole() -> None:
    """A worker of a process pool raising a problem: the parent gets the same problem."""
    import pickle

    raised = errors.HeadcountError(errors.PES_AREA_FULL, small_area="110101001001001")
    again = pickle.loads(pickle.dumps(raised))
    assert again.problem == raised.problem and again.details == raised.details
    assert str(again) == str(raised)
