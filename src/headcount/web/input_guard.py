"""Input no route can accept, refused with 422 at the boundary, in one place, before any route.

A NUL byte can never be stored in a PostgreSQL text column (psycopg refuses it, which surfaced as
"database down"), a lone UTF-16 surrogate cannot be encoded for any database, and a JSON body
nested thousands of levels deep exhausts the parser's recursion before validation starts. None of
these is valid anywhere in Headcount, so they are refused here, for the API and the pages alike:

- the path and the query string: no C0 control character and no DEL (E1010);
- a JSON body: nesting at most ``MAX_JSON_DEPTH`` levels (E1011); no C0 control character other
  than tab, line feed and carriage return in any key or string, and no lone surrogate (E1010);
- a form body (``application/x-www-form-urlencoded``, or ``multipart/form-data``, which Starlette
  reads as readily): the same characters as JSON strings, since a free-text field may hold line
  breaks (E1010).

Other bodies (CSV files, octet streams) pass untouched: their readers check them.
``SecurityMiddleware`` reads the whole body (bounded in size and time) and calls ``check``
before the application runs.

The checks are cheap on the common path: a body is decoded only when a fast byte scan finds an
escape that could stand for a refused character, and depth is counted only when the body holds
more brackets than the limit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.datastructures import Headers
from starlette.types import Scope

from headcount import errors
from headcount.errors import HeadcountError

MAX_JSON_DEPTH = 32  # a household record is about 6 deep; nothing legitimate comes near

# Never valid in a path or a query value.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Never valid in text a user typed: C0 except tab, LF, CR; lone surrogates cannot be encoded.
_TEXT_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# In raw JSON, the only ways to write such a character (a raw control byte is invalid JSON, which
# FastAPI refuses by itself): an escape. Matched loosely; the decoded body decides.
_JSON_SUSPECT = re.compile(rb"\\u00[01][0-9a-fA-F]|\\[bf]|\\u[dD][89a-fA-F]")
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")
_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the arrays and objects of a JSON text nest more than ``limit`` levels (brackets
    inside strings do not count). Counted without parsing, so nothing recurses."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    outside = _JSON_STRING.sub(b"", body)
    steps = (1 if b in b"[{" else -1 for b in _JSON_BRACKET.findall(outside))
    return max(accumulate(steps, initial=0)) > limit


def _strings(value: Any) -> Iterator[str]:
    """Every key and string of a decoded JSON value (iteratively; its depth is bounded)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            yield from item.keys()
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_json(body: bytes) -> None:
    if too_deep(body):
        raise HeadcountError(errors.JSON_TOO_DEEP, limit=MAX_JSON_DEPTH)
    if not _JSON_SUSPECT.search(body):
        return
    try:
        value = json.loads(body)
    except ValueError:
        return  # malformed: the route's own parsing answers E1006
    if any(_TEXT_REFUSED.search(s) for s in _strings(value)):
        raise HeadcountError(errors.CONTROL_CHARACTER, where="JSON body")


def check_form(body: bytes) -> None:
    # A browser percent-encodes every control character; a raw one comes from a program.
    if b"%" not in body and not _RAW_CONTROL.search(body):
        return
    text = body.decode("utf-8", errors="replace")
    for name, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
        if _TEXT_REFUSED.search(name) or _TEXT_REFUSED.search(value):
            raise HeadcountError(errors.CONTROL_CHARACTER, where="form")


def check_multipart(body: bytes) -> None:
    # Starlette reads a multipart form as readily as an encoded one, with its fields raw. No
    # route takes a file, so no part may hold a control character either (a route that comes
    # to take binary files must be let through here).
    if _RAW_CONTROL.search(body):
        raise HeadcountError(errors.CONTROL_CHARACTER, where="form")


def check_target(scope: Scope) -> None:
    """The path (as the server decoded it) and every query name and value (percent-decoded)."""
    if _CONTROL.search(scope["path"]):
        raise HeadcountError(errors.CONTROL_CHARACTER, where="path")
    query: bytes = scope.get("query_string", b"")
    if query and _CONTROL.search(unquote_to_bytes(query).decode("latin-1")):
        raise HeadcountError(errors.CONTROL_CHARACTER, where="query")


def _media_type(headers: Headers) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _is_json(media_type: str) -> bool:
    # FastAPI reads a body without a Content-Type as JSON too.
    return media_type in ("", "application/json") or media_type.endswith("+json")


def check(scope: Scope, headers: Headers, body: bytes) -> None:
    """Raise E1010/E1011 for input no route accepts: the target, and a JSON or form body (read
    whole by ``SecurityMiddleware``, which calls this before the application runs)."""
    check_target(scope)
    if not body:
        return
    media_type = _media_type(headers)
    if media_type == "application/x-www-form-urlencoded":
        check_form(body)
    elif media_type == "multipart/form-data":
        check_multipart(body)
    elif _is_json(media_type):
        check_json(body)
