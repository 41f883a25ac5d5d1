"""Self-report credentials: an account and a password a household can type on a cheap phone, and a
QR code that opens the login page with the account filled in (never the password).

The alphabet leaves out characters people confuse when reading a printed card (0/O, 1/l/I, 2/Z,
5/S, 8/B). A 10-character password over 26 symbols carries 47 bits; with lockout after 5 failures
that is beyond guessing, and the card is valid only during the self-report window.
"""

from __future__ import annotations

import io
import secrets
import unicodedata
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg

ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
ACCOUNT_LENGTH = 10
PASSWORD_LENGTH = 10


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_account() -> str:
    """Shown grouped as ``XXXXX-XXXXX``; stored without the hyphen."""
    return _random(ACCOUNT_LENGTH)


def new_password() -> str:
    return _random(PASSWORD_LENGTH)


def normalize_typed(value: str) -> str:
    """What a household types: any case, with spaces or hyphens (full-width too)."""
    text = unicodedata.normalize("NFKC", value).upper()
    return "".join(ch for ch in text if ch not in " -\t")


def grouped(value: str) -> str:
    return f"{value[:5]}-{value[5:]}" if len(value) == 10 else value


def login_url(base_url: str, account: str) -> str:
    return f"{base_url.rstrip('/')}/self-report/login?{urlencode({'account': grouped(account)})}"


def qr_svg(url: str) -> str:
    """An inline SVG QR code (no image files, prints sharply on the card)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode("utf-8")
