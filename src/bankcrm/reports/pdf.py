"""The report printed to PDF from the same HTML (WeasyPrint): A4 pages, the Noto CJK font
embedded so the Chinese text renders as glyphs, not boxes."""

from __future__ import annotations

import logging
from pathlib import Path


def write_pdf(html: str, path: Path) -> Path:
    """Print ``html`` (self-contained: no base URL needed) to ``path``."""
    # a slow import, only when a PDF is asked for; weasyprint ships no type information
    from weasyprint import HTML  # noqa: PLC0415

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # subsetting chatter
    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html).write_pdf(path)
    return path
