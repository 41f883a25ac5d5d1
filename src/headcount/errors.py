"""The one problem catalogue of Headcount.

Every error a user can see has a stable code, an HTTP status and a message in zh-CN and English.
Codes never change meaning once released; retired codes are not reused.

    HeadcountError                 raised by any layer with a Problem and its details
     └── the web layer renders it as JSON (/api) or an HTML page; the CLI prints it and exits 2

Ranges (one block per package; add new problems at the end of their block):
    E10xx  general input (files, JSON, arguments)
    E11xx  identity: citizen ID numbers, division codes
    E12xx  questionnaire: form definitions and submitted answers
    E13xx  synth: synthetic population
    E14xx  privacy: crypto, keys, blind indexes
    E15xx  audit log
    E16xx  store: database, migrations, backup
    E17xx  scan: PII scanner, redactor, publish gate
    E20xx+ web, authentication, fieldwork (reserved)

Messages are str.format templates over the error's details; details never carry personal data in
clear (a masked value at most), because errors end up in logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Lang = Literal["zh", "en"]


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    status: int
    zh: str
    en: str

    def message(self, lang: Lang = "zh", **details: Any) -> str:
        template = self.zh if lang == "zh" else self.en
        try:
            return template.format(**details)
        except (KeyError, IndexError, ValueError):
            return template


CATALOGUE: dict[str, Problem] = {}


def _p(code: str, status: int, zh: str, en: str) -> Problem:
    if code in CATALOGUE:
        raise RuntimeError(f"duplicate problem code {code}")
    problem = Problem(code, status, zh, en)
    CATALOGUE[code] = problem
    return problem


class HeadcountError(Exception):
    """An expected failure with a catalogued problem; never carries personal data in clear."""

    def __init__(self, problem: Problem, **details: Any) -> None:
        self.problem = problem
        self.details = details
        super().__init__(f"{problem.code}: {problem.message('en', **details)}")

    @property
    def code(self) -> str:
        return self.problem.code

    def message(self, lang: Lang = "zh") -> str:
        return self.problem.message(lang, **self.details)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.problem.code,
            "status": self.problem.status,
            "message": {"zh": self.message("zh"), "en": self.message("en")},
            "details": self.details,
        }


@dataclass(slots=True)
class ProblemList:
    """Several problems collected before raising (e.g. every invalid field of one file)."""

    items: list[HeadcountError] = field(default_factory=list)

    def add(self, problem: Problem, **details: Any) -> None:
        self.items.append(HeadcountError(problem, **details))

    def __bool__(self) -> bool:
        return bool(self.items)


# --- E10xx general input -------------------------------------------------------------------
FILE_NOT_FOUND = _p("E1001", 404, "找不到文件：{path}", "File not found: {path}")
FILE_UNREADABLE = _p(
    "E1002", 400, "无法读取文件：{path}（{reason}）", "Cannot read file: {path} ({reason})"
)
JSON_INVALID = _p(
    "E1003",
    400,
    "JSON 格式错误：第 {line} 行第 {column} 列",
    "Malformed JSON at line {line}, column {column}",
)
ARGUMENT_INVALID = _p(
    "E1004", 400, "参数 {name} 无效：{reason}", "Invalid argument {name}: {reason}"
)
SETTING_INVALID = _p(
    "E1005", 500, "配置项 {name} 无效：{reason}", "Invalid setting {name}: {reason}"
)

# --- E11xx identity ------------------------------------------------------------------------
ID_EMPTY = _p("E1101", 400, "公民身份号码为空", "The citizen ID number is empty")
ID_LENGTH = _p(
    "E1102",
    400,
    "公民身份号码应为 18 位，实际为 {length} 位",
    "A citizen ID number has 18 characters; this one has {length}",
)
ID_CHARACTERS = _p(
    "E1103",
    400,
    "公民身份号码第 {position} 位含有不允许的字符",
    "Character {position} of the citizen ID number is not allowed",
)
ID_CHECK_CHARACTER = _p(
    "E1104",
    400,
    "公民身份号码校验码不正确",
    "The check character of the citizen ID number is wrong",
)
ID_DATE_INVALID = _p(
    "E1105",
    400,
    "公民身份号码中的出生日期不存在",
    "The birth date in the citizen ID number is not a real date",
)
ID_BORN_AFTER_REFERENCE = _p(
    "E1106",
    422,
    "公民身份号码中的出生日期晚于普查标准时点",
    "The birth date in the citizen ID number is after the census reference time",
)
ID_ADDRESS_UNKNOWN = _p(
    "E1107",
    422,
    "公民身份号码的地址码 {address_code} 不在行政区划代码表中，需比对复查",
    "Address code {address_code} of the citizen ID number is not in the division code table; "
    "flagged for record check",
)
ID_ADDRESS_OUT_OF_WINDOW = _p(
    "E1108",
    422,
    "地址码 {address_code} 在出生至普查期间未曾使用，需比对复查",
    "Address code {address_code} was not in use between the birth date and the census; "
    "flagged for record check",
)
ID_LEGACY_NOT_ALLOWED = _p(
    "E1109",
    400,
    "这是 15 位旧号码，请使用旧号码升位方式录入",
    "This is a legacy 15-digit number; enter it through the legacy-number path",
)
ID_SEX_MISMATCH = _p(
    "E1110",
    422,
    "公民身份号码显示的性别与填报的性别不一致",
    "The sex encoded in the citizen ID number differs from the reported sex",
)
ID_BIRTH_MISMATCH = _p(
    "E1111",
    422,
    "公民身份号码中的出生年月与填报的出生年月不一致",
    "The birth year and month in the citizen ID number differ from the reported ones",
)
ID_DATE_IMPLAUSIBLE = _p(
    "E1112",
    400,
    "公民身份号码中的出生年份 {year} 不合理",
    "The birth year {year} in the citizen ID number is implausible",
)
DIVISION_UNKNOWN = _p(
    "E1120", 404, "行政区划代码 {code} 不存在", "Division code {code} does not exist"
)
DIVISION_MALFORMED = _p(
    "E1121",
    400,
    "行政区划代码应为 2、4、6、9 或 12 位数字：{code}",
    "A division code has 2, 4, 6, 9 or 12 digits: {code}",
)

# --- E12xx questionnaire -------------------------------------------------------------------

# --- E13xx synth ---------------------------------------------------------------------------

# --- E14xx privacy -------------------------------------------------------------------------

# --- E15xx audit ---------------------------------------------------------------------------

# --- E16xx store ---------------------------------------------------------------------------

# --- E17xx scan ----------------------------------------------------------------------------
