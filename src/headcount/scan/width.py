"""Character width: full-width forms folded onto their ASCII counterparts, one character for one.

People type ID numbers, phones, cards, e-mail addresses and document numbers with a Chinese input
method in full-width mode (１１０１０１…２８Ｘ, １３８－１２３４－５６７８,
ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ) or switch width in the middle of a value. The recognizers are
written for one form only: the scanner folds the text before they run, so every full-width and
mixed-width writing of a value is the value they already accept.

The fold is NFKC restricted to the characters Unicode calls East Asian *Fullwidth* (U+FF01–FF60,
U+FFE0–FFE6, the ideographic space U+3000): each maps to exactly one character, so the folded text
has the same length as the original and every offset in it is an offset in the original — the
offset map is the identity, and the spans that findings report and redaction replaces cover the
original full-width characters. (General NFKC is not length-preserving — ``…`` becomes ``...``,
``㎡`` becomes ``m2`` — and would need a real offset map for no gain here.) The full-width and
half-width katakana middle dots (``・``, ``･``), which input methods produce for the 间隔号 of
transliterated names (阿依古丽・买买提), are folded to ``·`` (U+00B7) as well.

Folding a whole document with ``str.translate`` would add some 40 % to the detection time (it is a
per-character dictionary lookup in CPython), and Chinese running text is full of full-width
punctuation (，：（）) that every pattern already accepts in both widths. ``fold`` therefore
rewrites only the runs of full-width characters that can be part of a value — letters, digits and
the symbols of numbers, e-mail addresses and masks (``＠．－＿＋％＊``) and the middle dots — and
leaves a text without any of them untouched (one regex search). ``fold_all`` folds every
full-width character, for short values (masks, previews) and for tests of that equivalence.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

MIDDLE_DOT = "\u00b7"
_MIDDLE_DOTS = "\u30fb\uff65"  # KATAKANA MIDDLE DOT, HALFWIDTH KATAKANA MIDDLE DOT


@cache
def table() -> dict[int, str]:
    """Code point → its one-character NFKC form, for every East Asian Fullwidth character."""
    out: dict[int, str] = {}
    for code in (0x3000, *range(0xFF01, 0xFF61), *range(0xFFE0, 0xFFE7)):
        char = chr(code)
        if unicodedata.east_asian_width(char) != "F":
            continue
        folded = unicodedata.normalize("NFKC", char)
        if len(folded) == 1 and folded != char:
            out[code] = folded
    out.update((ord(dot), MIDDLE_DOT) for dot in _MIDDLE_DOTS)
    return out


# Full-width characters that can be part of a value (letters, digits, ＠．－＿＋％＊). A single
# character class is searched by the regex engine's fast path, several times faster than a class
# with a repeat or with characters outside the U+FFxx block: the middle dots are looked for with
# ``in``.
_WIDE = "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff20\uff0e\uff0d\uff3f\uff0b\uff05\uff0a"
_WIDE_CHAR = re.compile(f"[{_WIDE}]")
_VALUE_RUN = re.compile(f"([{_WIDE}{_MIDDLE_DOTS}]+)")


def fold(text: str) -> str:
    """``text`` with every full-width letter, digit and value symbol in its ASCII form (and the
    katakana middle dots as ``·``); same length, same offsets. Other full-width punctuation (，：
    （） and the ideographic space) is kept: every recognizer accepts both widths of it."""
    first = _WIDE_CHAR.search(text)
    if _MIDDLE_DOTS[0] in text or _MIDDLE_DOTS[1] in text:
        start = 0
    elif first is not None:
        start = first.start()
    else:
        return text
    # One C-level normalisation over all runs at once (each of their characters has a
    # one-character NFKC form, and NUL is itself) instead of a Python call per run.
    parts = _VALUE_RUN.split(text[start:])
    runs = unicodedata.normalize("NFKC", "\x00".join(parts[1::2]))
    if _MIDDLE_DOTS[0] in runs:
        runs = runs.replace(_MIDDLE_DOTS[0], MIDDLE_DOT)
    parts[1::2] = runs.split("\x00")
    return text[:start] + "".join(parts)


def fold_all(text: str) -> str:
    """Every full-width character in its ASCII form (short texts: values, headers, tests)."""
    return text.translate(table())
