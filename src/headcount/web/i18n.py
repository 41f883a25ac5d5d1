"""Message catalogues for pages (zh-CN default, English switchable) and language negotiation."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from starlette.requests import Request

from headcount.errors import Lang

LANGS: tuple[Lang, ...] = ("zh", "en")


@cache
def catalogue(lang: Lang) -> dict[str, str]:
    """A language's files merged: keys of ``i18n/<lang>/<area>.toml`` become ``<area>.<key>``."""
    folder = resources.files("headcount.web").joinpath("i18n", lang)
    merged: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            area = entry.name.removesuffix(".toml")
            merged.update(_flatten(tomllib.loads(entry.read_text("utf-8")), area + "."))
    return merged


def _flatten(tree: dict[str, object], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


def translate(lang: Lang, key: str, **values: object) -> str:
    """The text for ``key``; a missing key shows itself (and a test keeps catalogues complete)."""
    text = catalogue(lang).get(key) or catalogue("zh").get(key) or key
    return text.format(**values) if values else text


def negotiate(request: Request) -> Lang:
    """?lang= first (and remembered in a cookie by the pages), then the cookie, then the header."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang")):
        if candidate in LANGS:
            return candidate
    accept = request.headers.get("accept-language", "").lower()
    if accept.startswith("en"):
        return "en"
    return "zh"
