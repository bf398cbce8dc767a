"""From a sheet of text cells to a Table: the header, title rows above it, merged ranges
below it, blank rows.

The header is the first row with two or more cells (a title row above it is left out, with a
warning); fully blank rows are dropped; each record keeps the file row it came from (header
= row 1 in a file without a title), so that messages point at the row a spreadsheet shows.
"""

import numpy as np
import pandas as pd
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter, range_boundaries

from .readers import ERR_EMPTY_FILE, ERR_NO_ROWS, ReadError, Table, strip_cells
from .report import Problem

HEADER_SEARCH_ROWS = 10  # title rows above the header: Chinese rosters have one or two
LISTED = 10  # rows named in one warning

ERR_ONE_COLUMN = _("the header %(header)r is a single column: separate the columns with commas")
ERR_FORMULA = _(
    "formula %(formula)s has no saved value: open the file in Excel or WPS, save it, "
    "and upload it again"
)
WARN_MERGED = _("merged cells %(cells)s: every cell of the range was given the first cell's value")
WARN_ABOVE_HEADER = _("rows above the header were left out: %(rows)s")


def to_table(raw: pd.DataFrame, warnings, *, strip, merges=(), formulas=()) -> Table:
    """Header, title rows, merged ranges, blank rows: `raw` is the sheet, row i = file row
    i + 1, columns numbered."""
    if strip:
        raw = strip_cells(raw)
    top = (raw.iloc[:HEADER_SEARCH_ROWS] != "").sum(axis=1).to_numpy()
    if not top.any():
        raise ReadError(ERR_EMPTY_FILE)
    if (top < 2).all():
        first = int(np.flatnonzero(top)[0])
        cells = [c for c in raw.iloc[first] if c]
        raise ReadError(ERR_ONE_COLUMN % {"header": cells[0][:80]}, row=first + 1)
    h = int(np.flatnonzero(top >= 2)[0])
    if top[:h].any():
        rows = [int(i) + 1 for i in np.flatnonzero(top[:h])]
        warnings.append(Problem(None, "", WARN_ABOVE_HEADER % {"rows": listed(rows)}))
    header = [str(c) for c in raw.iloc[h]]
    errors = []
    if merges:
        raw = _fill_merges(raw, merges, h, header, warnings)
    for r, c, formula in formulas:
        if r > h:
            errors.append(
                Problem(r + 1, header[c] or _column(c), ERR_FORMULA % {"formula": formula})
            )
    frame = raw.iloc[h + 1 :]
    keep = [c for c in range(len(header)) if header[c] or (frame.iloc[:, c] != "").any()]
    frame = frame.iloc[:, keep]
    blank = (frame.iloc[:, 0] == "").to_numpy().copy()  # blank rows: first cell empty, then all
    if blank.any():
        blank[blank] = (frame[blank] == "").all(axis=1).to_numpy()
        frame = frame[~blank]
    if frame.empty:
        raise ReadError(ERR_NO_ROWS)
    rows = frame.index.to_numpy() + 1
    frame = frame.reset_index(drop=True)
    frame.columns = [header[c] or _column(c) for c in keep]
    return Table(frame, rows, "row", warnings, errors)


def _fill_merges(raw, merges, h, header, warnings) -> pd.DataFrame:
    """Give every cell of a merged range below the header its first cell's value."""
    raw = raw.copy()
    filled = []
    for ref in merges:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if min_row <= h + 1 or min_row > len(raw) or min_col > raw.shape[1]:
            continue  # the header's own merges (multi-row headers, titles) are left alone
        max_row, max_col = min(max_row, len(raw)), min(max_col, raw.shape[1])
        value = raw.iat[min_row - 1, min_col - 1]
        raw.iloc[min_row - 1 : max_row, min_col - 1 : max_col] = value
        filled.append((ref, header[min_col - 1] or _column(min_col - 1)))
    for ref, label in filled[:LISTED]:
        warnings.append(Problem(None, label, WARN_MERGED % {"cells": ref}))
    return raw


def _column(c: int) -> str:
    return get_column_letter(c + 1)


def listed(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:LISTED])
    return shown + (f" … (+{len(rows) - LISTED})" if len(rows) > LISTED else "")
