"""The published results, for everyone, without signing in (``web.published``).

    GET /published                      every bundle: title, date, communiqués, link to its files
    GET /published/{bundle}             one bundle: every file with its size and SHA-256, and how
                                        to verify them (``headcount publish --verify``)
    GET /published/{bundle}/{path}      a file the bundle lists, as published

Files are served with their own content type, ``X-Content-Type-Options: nosniff`` and a CSP that
allows no script (the communiqués' HTML keeps its inline style and its charts); tables are sent
as attachments.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Path
from fastapi.responses import HTMLResponse, Response
from starlette.requests import Request

from headcount.web import published
from headcount.web.deps import SettingsDep
from headcount.web.pagekit import render
from headcount.web.routes.paging import Offset
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(include_in_schema=False)
PUBLIC = access("public")
FILES_PER_PAGE = 100  # about 330 bytes a file: a page stays well under 60 KB
BundleName = Annotated[str, Path(max_length=100)]


@router.get("/published", response_class=HTMLResponse, openapi_extra=PUBLIC)
def published_index(request: Request, settings: SettingsDep) -> Response:
    found = published.bundles(settings.publication_dir)
    return render(request, "public/published.html", {"bundles": found})


@router.get("/published/{bundle}", response_class=HTMLResponse, openapi_extra=PUBLIC)
def published_bundle(
    request: Request, bundle: BundleName, settings: SettingsDep, offset: Offset = 0
) -> Response:
    found = published.bundle(settings.publication_dir, bundle)
    files = found.files[offset : offset + FILES_PER_PAGE]
    following = offset + FILES_PER_PAGE
    context = {
        "bundle": found,
        "files": files,
        "first": offset + 1 if files else 0,
        "last": offset + len(files),
        "previous": max(offset - FILES_PER_PAGE, 0) if offset > 0 else None,
        "next": following if following < len(found.files) else None,
    }
    return render(request, "public/published_bundle.html", context)


@router.get("/published/{bundle}/{path:path}", openapi_extra=PUBLIC)
def published_file(
    bundle: BundleName, path: Annotated[str, Path(max_length=300)], settings: SettingsDep
) -> Response:
    served = published.read_file(settings.publication_dir, bundle, path)
    headers = {"content-security-policy": published.CSP, "x-content-type-options": "nosniff"}
    if served.download:
        name = quote(served.filename)
        headers["content-disposition"] = f"attachment; filename*=UTF-8''{name}"
    return Response(served.data, media_type=served.media_type, headers=headers)
