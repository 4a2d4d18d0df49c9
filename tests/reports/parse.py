"""Reading the report back: the data tables and findings of report.html (stdlib html.parser),
as the tests need them. Each table cell carries the raw value in ``data-value`` and the shown
text as its content."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Cell:
    column: str
    value: str
    text: str = ""


@dataclass
class Parsed:
    tables: dict[str, list[dict[str, Cell]]] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)
    evidence: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    findings: dict[str, str] = field(default_factory=dict)  # code → severity
    svgs: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)  # src/href of any element


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.out = Parsed()
        self.table: str | None = None
        self.row: dict[str, Cell] | None = None
        self.cell: Cell | None = None
        self.header: str | None = None
        self.finding: str | None = None
        self.figure: str | None = None
        self.span: tuple[str, str] | None = None
        self.svg: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.out.resources += [a[k] for k in ("src", "href") if k in a]
        if tag == "svg":
            self.svg = []
        if tag == "table" and "data-table" in a:
            self.table = a["data-table"]
            self.out.tables[self.table] = []
            self.out.headers[self.table] = []
        elif tag == "table" and "data-finding" in a:
            self.finding = a["data-finding"]
            self.out.evidence[self.finding] = {}
        elif tag == "div" and "data-code" in a:
            self.out.findings[a["data-code"]] = a["data-severity"]
        elif tag == "tr" and self.table:
            self.row = {}
        elif tag == "tr" and self.finding and "data-figure" in a:
            self.figure = a["data-figure"]
            self.out.evidence[self.finding][self.figure] = {}
        elif tag == "th" and self.table:
            self.header = ""
        elif tag == "td" and self.row is not None:
            self.cell = Cell(a["data-column"], a["data-value"])
        elif tag == "span" and self.figure and self.finding:
            self.span = (a["data-key"], a["data-value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self.svg is not None:
            self.out.svgs.append("".join(self.svg))
            self.svg = None
        elif tag == "table":
            self.table = self.finding = self.figure = None
        elif tag == "th" and self.header is not None and self.table:
            self.out.headers[self.table].append(self.header)
            self.header = None
        elif tag == "td" and self.cell is not None and self.row is not None:
            self.row[self.cell.column] = self.cell
            self.cell = None
        elif tag == "tr" and self.row is not None and self.table:
            if self.row:
                self.out.tables[self.table].append(self.row)
            self.row = None
        elif tag == "tr":
            self.figure = None
        elif tag == "span" and self.span and self.finding and self.figure:
            key, value = self.span
            self.out.evidence[self.finding][self.figure][key] = value
            self.span = None

    def handle_data(self, data: str) -> None:
        if self.svg is not None:
            self.svg.append(data)
        if self.cell is not None:
            self.cell.text += data
        if self.header is not None:
            self.header += data


def parse_report(html: str) -> Parsed:
    reader = _Reader()
    reader.feed(html)
    return reader.out
