"""zh/en texts of generated checks, and how a finding names its item and person.

A finding names the item by display number and label and the person by roster number and
relationship to the head, never by name or ID number: findings end up in logs and review queues.
"""

from __future__ import annotations

from typing import Any

from headcount.questionnaire.schema import Item, Label

_GENERATED: dict[str, tuple[str, str]] = {
    "required": ("未填报", "missing"),
    "missing": ("未填报，如确实没有请确认", "missing; confirm if there is none"),
    "not_asked": (
        "不应填报（不在询问范围内或应跳过）",
        "answered although not asked (outside its universe, or skipped)",
    ),
    "code": ("不是本项目的有效代码", "not a valid code of this item"),
    "range": ("超出允许范围 {low}–{high}", "outside the allowed range {low}–{high}"),
    "range_male": (
        "（男）超出允许范围 {low}–{high}",
        "(male) outside the allowed range {low}–{high}",
    ),
    "range_female": (
        "（女）超出允许范围 {low}–{high}",
        "(female) outside the allowed range {low}–{high}",
    ),
    "soft_max": ("数值大于 {high}，请核实", "greater than {high}; please confirm"),
    "too_long": ("超过 {high} 个字符", "longer than {high} characters"),
    "place": ("不是有效的行政区划代码", "not a valid division code"),
    "month": ("月份应为 1–12", "the month must be 1-12"),
    "year": ("年份应在 {low}–{high} 之间", "the year must lie between {low} and {high}"),
    "after_reference": ("晚于普查标准时点", "after the census reference time"),
    "length": ("应为 18 位", "must have 18 characters"),
    "characters": (
        "只能是数字，末位可为 X",
        "must be digits, with X allowed only as the last character",
    ),
    "check_character": ("校验码不正确", "the check character is wrong"),
    "date": ("出生日期不存在", "the birth date is not a real date"),
    "born_after_reference": (
        "出生日期晚于普查标准时点",
        "the birth date is after the census reference time",
    ),
    "province": (
        "前两位不是省级行政区划代码，号码不可能存在",
        "the first two digits are not a province code; no such number can exist",
    ),
    "address": (
        "地址码不在行政区划代码表中，需比对复查",
        "the address code is not in the division table; flagged for record check",
    ),
    "sex": ("与填报的性别不一致", "differs from the reported sex"),
    "birth": ("与填报的出生年月不一致", "differs from the reported year and month of birth"),
}


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def generated_message(kind: str, **fmt: Any) -> Label:
    zh, en = _GENERATED[kind]
    values = {k: _fmt(v) for k, v in fmt.items()}
    return Label(zh=zh.format(**values), en=en.format(**values))


def who(
    person_no: int | None, death_no: int | None, relationship: Item | None, code: object
) -> Label:
    """ "第2人（配偶）" / "Person 2 (spouse)"; the household; or a death form by number."""
    if death_no is not None:
        return Label(zh=f"第{death_no}份死亡人口调查表", en=f"Death form {death_no}")
    if person_no is None:
        return Label(zh="本户", en="Household")
    zh_rel = relationship.code_label(code, "zh") if relationship else None
    en_rel = relationship.code_label(code, "en") if relationship else None
    return Label(
        zh=f"第{person_no}人" + (f"（{zh_rel}）" if zh_rel else ""),
        en=f"Person {person_no}" + (f" ({en_rel})" if en_rel else ""),
    )


def render(subject: Label, item: Item | None, display_id: str, text: Label) -> Label:
    label_zh = f"{display_id} {item.label.zh}" if item else display_id
    label_en = f"{display_id} {item.label.en}" if item else display_id
    return Label(
        zh=f"{subject.zh}，{label_zh}：{text.zh}", en=f"{subject.en}, {label_en}: {text.en}"
    )
