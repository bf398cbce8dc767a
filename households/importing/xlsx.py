"""Reading XLSX workbooks: the first sheet with any value, through openpyxl's read-only mode.

Merged cells below the header give every cell of the range the first cell's value; a
formula without a saved value (a file written by a program, never opened in Excel) is an
error of its cell. Read-only openpyxl reports neither merges nor formulas, so the sheet's
XML is scanned for them.
"""

import re
import warnings
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import ParseError

import openpyxl
import pandas as pd
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.exceptions import InvalidFileException

from .cells import to_table
from .readers import (
    ERR_EMPTY_FILE,
    ERR_TOO_BIG,
    ERR_UNREADABLE,
    MAX_FILE_MB,
    ReadError,
    Table,
    check_shape,
    without_paths,
)
from .report import Problem

XLSX_UNPACKED_MB = 10 * MAX_FILE_MB  # sheet XML packs about 10:1 in an XLSX
_CHUNK = 1 << 22  # bytes of sheet XML scanned at a time
WARN_SHEET = _("the first sheet is empty: sheet %(sheet)s was read")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
# what openpyxl raises on a damaged workbook (a zip that is no XLSX, a broken part)
_XLSX_ERRORS = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    AttributeError,
    OSError,
    EOFError,
)


def read_xlsx(path: Path) -> Table:
    """The first sheet with any value. Merged cells below the header give every cell of
    the range the first cell's value; a formula without a saved value is an error."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
        if unpacked > XLSX_UNPACKED_MB * 1024 * 1024:
            raise ReadError(ERR_TOO_BIG % {"size": unpacked >> 20, "max": XLSX_UNPACKED_MB})
        with warnings.catch_warnings():  # "no default style" and the like: nothing to act on
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            notes = []
            index, sheet, values = _first_sheet_with_data(book)
            if index:
                notes.append(Problem(None, "", WARN_SHEET % {"sheet": repr(sheet.title)}))
            merges, formulas = _scan_sheet(path, sheet._worksheet_path)  # openpyxl's part name
            missing = _formulas_without_value(path, index, values) if formulas else []
        finally:
            book.close()
    except ReadError:
        raise
    except _XLSX_ERRORS as exc:
        raise ReadError(ERR_UNREADABLE % {"error": without_paths(str(exc), path)}) from exc
    width = max(len(row) for row in values)
    raw = pd.DataFrame([[_text(v) for v in row] + [""] * (width - len(row)) for row in values])
    return to_table(raw, notes, strip=True, merges=merges, formulas=missing)


def _first_sheet_with_data(book) -> tuple[int, object, list[tuple]]:
    for index, sheet in enumerate(book.worksheets):
        values = _sheet_values(sheet)
        if any(v is not None and str(v).strip() for row in values for v in row):
            return index, sheet, values
    raise ReadError(ERR_EMPTY_FILE)


def _sheet_values(sheet) -> list[tuple]:
    sheet.reset_dimensions()  # a stale <dimension> would pad every row to its width
    values = []
    for row in sheet.iter_rows(values_only=True):
        values.append(row)
        check_shape(len(values), len(row))
    return values


def _scan_sheet(path: Path, member: str) -> tuple[list[str], bool]:
    """Merged ranges and whether any cell has a formula, from the sheet's XML (read-only
    openpyxl reports neither)."""
    merges, formulas, tail = {}, False, b""
    with zipfile.ZipFile(path) as archive, archive.open(member) as f:
        while chunk := f.read(_CHUNK):
            data = tail + chunk
            merges.update(dict.fromkeys(m.decode() for m in _MERGE.findall(data)))
            formulas = formulas or bool(_FORMULA.search(data))
            tail = data[-512:]
    return list(merges), formulas


def _formulas_without_value(path: Path, index: int, values: list[tuple]) -> list[tuple]:
    """(row, column, formula) of the cells whose formula has no saved result."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = book.worksheets[index]
        sheet.reset_dimensions()
        missing = []
        for r, row in enumerate(sheet.iter_rows(values_only=True)):
            for c, v in enumerate(row):
                saved = values[r][c] if r < len(values) and c < len(values[r]) else None
                if isinstance(v, str) and v.startswith("=") and saved in (None, ""):
                    missing.append((r, c, v))
    finally:
        book.close()
    return missing


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # Excel stores every number as a float: 4.0 is 4
    return str(value)
