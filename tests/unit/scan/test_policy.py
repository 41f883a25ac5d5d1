"""Masked previews and masking policies: never the value, only what the policy keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from headcount.errors import HeadcountError
from headcount.scan.findings import PiiType
from headcount.scan.masks import preview
from headcount.scan.policy import DEFAULT_POLICY, load_policy
from tests.unit.scan.conftest import ADDRESS, CARD, EMAIL, ID


@pytest.mark.parametrize(
    ("kind", "value", "shown"),
    [
        ("citizen_id", ID, ID[0] + "*" * 16 + ID[-1]),
        ("citizen_id", f"{ID[:6]} {ID[6:14]} {ID[14:]}", ID[0] + "*" * 16 + ID[-1]),
        ("citizen_id", "11010119900307****", "1*****************"),
        ("mobile", "138-1234-5678", "138****5678"),
        ("bank_card", CARD, CARD[:4] + "*" * 11 + CARD[-4:]),
        ("email", EMAIL, "z***@example.com"),
        ("name", "张伟", "张*"),
        ("name", "欧阳明华", "欧阳*"),
        ("address", ADDRESS, "北京市东城区****"),
        ("passport", "E12345678", "E******78"),
    ],
)
def test_previews(kind: PiiType, value: str, shown: str) -> None:
    assert preview(kind, value) == shown


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("citizen_id", ID, ID[0] + "*" * 16 + ID[-1]),
        ("mobile", "+86 138 1234 5678", "138********"),
        ("mobile", "13812345678", "138********"),
        ("landline", "010-62345678", "010********"),
        ("landline", "0755-88886666", "0755********"),
        ("bank_card", CARD, "*" * 15 + CARD[-4:]),
        ("email", EMAIL, "z***@example.com"),
        ("passport", "E12345678", "E********"),
        ("name", "王秀英", "王*"),
        ("address", ADDRESS, "北京市东城区****"),
        ("address", "景山前街4号", "****"),
    ],
)
def test_default_policy_keeps_only_the_class_of_a_value(
    kind: PiiType, value: str, masked: str
) -> None:
    assert DEFAULT_POLICY.replacement(kind, value) == masked


def test_policy_file_overrides_some_types(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        'email: {action: replace, text: "[邮箱]"}\nname: {action: remove}\n'
        "mobile: {keep_head: 3, keep_tail: 4}\nmin_confidence: 0.8\n",
        encoding="utf-8",
    )
    policy = load_policy(path)
    assert policy.replacement("email", EMAIL) == "[邮箱]"
    assert policy.replacement("name", "张伟") == ""
    assert policy.replacement("mobile", "13812345678") == "138****5678"
    assert policy.replacement("citizen_id", ID) == DEFAULT_POLICY.replacement("citizen_id", ID)
    assert policy.min_confidence == 0.8


def test_toml_policy(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[bank_card]\naction = "mask"\nkeep_tail = 0\n', encoding="utf-8")
    assert load_policy(path).replacement("bank_card", CARD) == "*" * len(CARD)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("phone: {action: mask}\n", "unknown type"),
        ("name: {action: replace}\n", "name"),
        ("name: {keep_head: 40}\n", "name"),
        ("name: {colour: red}\n", "name.colour"),
        ("- just\n- a list\n", "mapping"),
        ("name: [unclosed\n", "YAML"),
        ("min_confidence: 7\n", "min_confidence"),
    ],
)
def test_invalid_policy_files(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(HeadcountError) as caught:
        load_policy(path)
    assert caught.value.code == "E1706"
    assert reason in caught.value.message("en")


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(HeadcountError) as caught:
        load_policy(tmp_path / "none.yaml")
    assert caught.value.code == "E1001"
