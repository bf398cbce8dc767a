"""Reading tables: CSV (UTF-8, GBK, UTF-16, or rows of both UTF-8 and GBK) and XLSX.

Every cell is read as stripped text (cells.to_table: header, title rows, blank rows). Size,
rows, columns and line length are checked before parsing (readers.MAX_*), so that a file of
one 50 MB line is refused at once and in bounded memory.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from django.utils.translation import gettext_lazy as _

from .cells import listed, to_table
from .checks import check_required
from .readers import (
    ERR_EMPTY_FILE,
    ERR_UNREADABLE,
    MAX_LINE_BYTES,
    TABLE_SUFFIXES,
    ReadError,
    Table,
    check_shape,
    check_size,
    check_suffix,
    map_columns,
)
from .report import ImportRejected, ImportReport, Problem
from .xlsx import read_xlsx

_CHUNK = 1 << 22  # bytes scanned for line feeds at a time
ERR_BINARY = _(
    "the file holds binary data, not text: is it a spreadsheet renamed to .csv? Save it as "
    "CSV from Excel or WPS, or upload the XLSX"
)
ERR_ENCODING = _("cannot decode this row as UTF-8 or GBK")
ERR_LINE_TOO_LONG = _(
    "the line is %(length)d bytes long; at most %(max)d (a table has one row per line: is "
    "this a table?)"
)
ERR_ROW_WIDTH = _("%(cells)d cells, but the header has %(columns)d")
WARN_MIXED_ENCODING = _(
    "rows %(rows)s are in %(encoding)s and the other rows in %(other)s: each row was read "
    "in its own encoding; check these rows"
)

# Some cell is padded when whitespace touches a comma, a quote or a line break. Substring
# tests: a regex over a 30 MB file costs ~1.5 s, these ~0.1 s.
_SPACES = (" ", "\t", "\u3000", "\xa0")
_PADDED = tuple(w + d for w in _SPACES for d in (",", '"', "\r", "\n")) + tuple(
    d + w for w in _SPACES for d in (",", '"', "\n")
)


def read_table(path: Path) -> Table:
    check_size(path)
    if path.suffix.lower() == ".xlsx":
        return read_xlsx(path)
    raw, warnings, padded = _read_csv(path)
    return to_table(raw, warnings, strip=padded)


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[Problem], bool]:
    data = path.read_bytes()
    ends = _line_ends(data)
    _check_lines(data, ends)
    text, warnings = _decode(data)
    if not text.strip():
        raise ReadError(ERR_EMPTY_FILE)
    header = text.split("\n", 1)[0]
    sep = next((s for s in (",", "\t", ";") if s in header), ",")
    check_shape(len(ends) + 1, header.count(sep) + 1)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError as exc:
        raise ReadError(ERR_EMPTY_FILE) from exc
    except pd.errors.ParserError as exc:
        raise _row_width_error(text, sep) from exc
    return frame.fillna(""), warnings, _padded(text)


def _line_ends(data: bytes) -> np.ndarray:
    """Offsets of the line feeds, found a chunk at a time (memory stays at one chunk)."""
    view = np.frombuffer(data, dtype=np.uint8)
    parts = [np.flatnonzero(view[i : i + _CHUNK] == 10) + i for i in range(0, len(view), _CHUNK)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _check_lines(data: bytes, ends: np.ndarray) -> None:
    if b"\x00" in data[:_CHUNK] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(ERR_BINARY)
    check_shape(len(ends) + 1, 0)
    lengths = np.r_[ends, len(data)] - np.r_[0, ends + 1]
    longest = int(np.argmax(lengths))
    if lengths[longest] > MAX_LINE_BYTES:
        raise ReadError(
            ERR_LINE_TOO_LONG % {"length": lengths[longest], "max": MAX_LINE_BYTES},
            row=longest + 1,
        )


def _decode(data: bytes) -> tuple[str, list[Problem]]:
    """UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text"), GBK; a file
    whose rows are partly UTF-8 and partly GBK (rows pasted from two exports) is decoded
    row by row, with a warning naming the rows in the rarer encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise ReadError(ERR_UNREADABLE % {"error": exc.reason}) from exc
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    out, gbk, utf8 = [], [], []
    for n, line in enumerate(data.split(b"\n"), 1):
        if line.isascii():
            out.append(line.decode("ascii"))
            continue
        try:
            out.append(line.decode("utf-8-sig" if n == 1 else "utf-8"))
            utf8.append(n)
        except UnicodeDecodeError:
            try:  # GB18030 is a superset of GBK and GB2312
                out.append(line.decode("gb18030"))
                gbk.append(n)
            except UnicodeDecodeError as exc:
                raise ReadError(ERR_ENCODING, row=n) from exc
    warnings = []
    if gbk and utf8:
        rows, encoding, other = (
            (gbk, "GBK", "UTF-8") if len(gbk) <= len(utf8) else (utf8, "UTF-8", "GBK")
        )
        message = WARN_MIXED_ENCODING % {
            "rows": listed(rows),
            "encoding": encoding,
            "other": other,
        }
        warnings.append(Problem(None, "", message))
    return "\n".join(out), warnings


def _padded(text: str) -> bool:
    if not any(w in text for w in _SPACES):  # one fast scan per character
        return False
    return (
        text[:1] in _SPACES
        or text.rstrip("\r\n")[-1:] in _SPACES
        or any(p in text for p in _PADDED)
    )


def _row_width_error(text: str, sep: str) -> ReadError:
    """The first record with more cells than the header (pandas' parser refused it)."""
    width = None
    try:
        for n, record in enumerate(csv.reader(io.StringIO(text), delimiter=sep), 1):
            if width is None:
                width = len(record)
            elif len(record) > width:
                return ReadError(ERR_ROW_WIDTH % {"cells": len(record), "columns": width}, row=n)
    except csv.Error as exc:
        return ReadError(ERR_UNREADABLE % {"error": exc})
    return ReadError(ERR_UNREADABLE % {"error": "CSV"})


@dataclass
class Rows:
    """A table's cells under their canonical columns, ready to be checked row by row: the
    file row and the header of each, and the mask of rows refused so far (`flag`)."""

    frame: pd.DataFrame
    rows: np.ndarray
    labels: dict
    bad: np.ndarray
    report: ImportReport

    def flag(self, mask, col, message_for) -> None:
        """Refuse the rows of `mask`, naming the column; `message_for(i)` says why."""
        for i in np.flatnonzero(mask):
            self.report.error(int(self.rows[i]), self.labels[col], message_for(i))
        self.bad[mask] = True


def read_rows(path: Path, report: ImportReport, aliases: dict, required, column_map=None) -> Rows:
    """Read a CSV/XLSX table for an importer: its columns mapped (readers.map_columns), the
    required ones present, every column of `aliases` there (empty when the file has none)
    and stripped. ImportRejected, with the reason in `report`, when the file cannot be read."""
    try:
        check_suffix(path, TABLE_SUFFIXES)
        table = read_table(path)
        map_columns(table, aliases, column_map)
    except ReadError as exc:
        report.error(exc.row, exc.field, str(exc))
        raise ImportRejected(report) from exc
    report.warnings += table.warnings
    if not check_required(table, required, report, aliases):
        raise ImportRejected(report)
    frame = table.frame
    for col in aliases:
        frame[col] = frame[col].str.strip() if col in frame.columns else ""
    report.rows = len(frame)
    report.errors += table.errors
    return Rows(frame, table.rows, table.labels, table.bad.copy(), report)
