"""The one Jinja2 environment of the pages (autoescaping .html), shared by every router."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from fastapi.templating import Jinja2Templates


@cache
def templates() -> Jinja2Templates:
    folder = Path(str(resources.files("headcount.web").joinpath("templates")))
    return Jinja2Templates(directory=folder)  # autoescapes .html
