"""Writing a simple notice (lines of text and one table) in each supported format.

Used by the evaluation corpus and by tests to produce real files of every kind.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

import docx
import openpyxl

from headcount.scan.formats.pdf import write_text_pdf

FORMATS = ("txt", "csv", "xlsx", "docx", "html", "pdf")


@dataclass(slots=True)
class Content:
    lines: list[str]
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def render(content: Content, kind: str, path: Path) -> None:
    if kind == "txt":
        records = [
            "，".join(f"{h}：{v}" for h, v in zip(content.header, row, strict=True))
            for row in content.rows
        ]
        path.write_text("\n".join([*content.lines, *records]) + "\n", encoding="utf-8")
    elif kind == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerows([content.header, *content.rows] if content.header else [])
        writer.writerows([[line] for line in content.lines])
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    elif kind == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "名单"
        for row in [content.header, *content.rows] if content.header else []:
            sheet.append(row)
        notes = book.create_sheet("说明")
        for line in content.lines:
            notes.append([line])
        book.save(path)
    elif kind == "docx":
        document = docx.Document()
        for line in content.lines:
            document.add_paragraph(line)
        if content.header:
            table = document.add_table(rows=1, cols=len(content.header))
            for cell, text in zip(table.rows[0].cells, content.header, strict=True):
                cell.text = text
            for row in content.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
        document.save(str(path))
    elif kind == "html":
        body = "".join(f"<p>{html.escape(line)}</p>\n" for line in content.lines)
        if content.header:
            head = "".join(f"<th>{html.escape(h)}</th>" for h in content.header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>\n"
                for row in content.rows
            )
            body += f"<table>\n<tr>{head}</tr>\n{rows}</table>\n"
        page = (
            '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>公示</title></head>\n<body>\n{body}</body></html>\n"
        )
        path.write_text(page, encoding="utf-8")
    elif kind == "pdf":
        lines = [*content.lines, *(" ".join(row) for row in content.rows)]
        path.write_bytes(write_text_pdf([lines]))
    else:
        raise ValueError(f"unknown format {kind}")
