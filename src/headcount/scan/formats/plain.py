"""Plain text files: one unit per line; line endings and encoding are kept on write."""

from __future__ import annotations

import codecs
from pathlib import Path

from headcount.errors import HeadcountError
from headcount.scan.extract import Edits, Unit, apply_edits, decode_text
from headcount.scan.findings import Location


def output_codec(codec: str, data: bytes) -> str:
    """Write back in the codec read, with a BOM only when the original had one."""
    if codec == "utf-8-sig" and not data.startswith(codecs.BOM_UTF8):
        return "utf-8"
    return codec


class PlainText:
    kind = "text"

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        text, codec = decode_text(path, data)
        self.codec = output_codec(codec, data)
        self._lines = text.splitlines(keepends=True)
        self._units = [
            Unit(line.rstrip("\r\n"), Location(line=i)) for i, line in enumerate(self._lines, 1)
        ]

    def units(self) -> list[Unit]:
        return self._units

    def warnings(self) -> list[HeadcountError]:
        return []

    def write(self, edits: dict[int, Edits], target: Path) -> None:
        out: list[str] = []
        for i, line in enumerate(self._lines):
            if i in edits:
                body = line.rstrip("\r\n")
                line = apply_edits(body, edits[i]) + line[len(body) :]
            out.append(line)
        target.write_bytes("".join(out).encode(self.codec))
