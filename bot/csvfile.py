"""CSV files for Excel: UTF-8 with a BOM, and no cell Excel would read as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list of CSV-injection triggers


def safe_cell(value: object) -> str:
    """The cell as text, with a `'` in front when it starts like a formula (OWASP).

    Every such cell is prefixed, a leading `-` included: the files hold no numbers that can be
    negative, so a text such as "-以上" is shown as "'-以上" rather than guessed at.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_rows(stream, columns: list[str], rows: Iterable[list]) -> None:
    """Write the BOM, the header and every row, each cell through `safe_cell`."""
    stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
