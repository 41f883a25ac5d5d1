"""Properties over generated input: the scanner never fails, spans are sound, masks are final."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from headcount.scan.corpus import _Values
from headcount.scan.masks import preview
from headcount.scan.policy import DEFAULT_POLICY
from headcount.scan.recognizers import Scanner

SCANNER = Scanner()
ALPHABET = (
    "0123456789０１２３４５６７８９ -－()（）xX*＊@.:：，号路村姓名身份证张王李电话卡\x00\n\tE"
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, max_size=60), min_size=1, max_size=6))
def test_scanning_never_fails_and_spans_are_sound(texts: list[str]) -> None:
    found = SCANNER.scan_many(texts, [""] * len(texts))
    assert len(found) == len(texts)
    for text, hits in zip(texts, found, strict=True):
        for hit in hits:
            assert 0 <= hit.start < hit.end <= len(text)
            assert "\x00" not in text[hit.start : hit.end]
            preview(hit.type, text[hit.start : hit.end])  # never raises
        ordered = sorted(hits, key=lambda h: h.start)
        assert all(a.end <= b.start for a, b in itertools.pairwise(ordered))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32))
def test_masked_values_are_not_found_again(seed: int) -> None:
    values = _Values(random.Random(seed))
    samples = {
        "citizen_id": f"身份证号码：{values.citizen_id()}",
        "mobile": f"手机 {values.mobile()}",
        "landline": f"电话 {values.landline()}",
        "bank_card": f"银行卡号 {values.bank_card()}",
        "email": f"邮箱 {values.email()}",
        "name": f"姓名：{values.name()}",
        "address": f"住址：{values.address()}",
    }
    for kind, text in samples.items():
        hits = [h for h in SCANNER.scan_text(text) if h.blocking]
        assert [h.type for h in hits] == [kind], text
        hit = hits[0]
        masked = text[: hit.start] + DEFAULT_POLICY.replacement(kind, text[hit.start : hit.end])
        assert not [h for h in SCANNER.scan_text(masked) if h.blocking], masked
