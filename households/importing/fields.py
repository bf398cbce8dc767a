"""Vectorised parsing of table cells, each returning values and a mask of bad cells."""

import re

import numpy as np
import pandas as pd
from django.utils.translation import gettext_lazy as _

TRUE_WORDS = {"1", "true", "yes", "y", "t", "是", "√", "✓", "有"}
FALSE_WORDS = {"", "0", "false", "no", "n", "f", "否", "无", "×"}
ID_NUMBER_RE = re.compile(r"^(\d{17}[\dXx]|\d{15})$")
PHONE_RE = re.compile(r"^\+?[\d\- ]{7,20}$")
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = "10X98765432"  # GB 11643 check characters

ERR_NOT_NUMBER = _("not a number: %(value)r")
ERR_NOT_INTEGER = _("not a whole number: %(value)r")
ERR_NOT_BOOLEAN = _("not yes/no (use 1/0, 是/否): %(value)r")
ERR_ID_NUMBER = _("not an 18-digit ID number: %(value)r")
ERR_PHONE = _("not a phone number: %(value)r")
WARN_ID_CHECK = _("ID number check digit does not match")


def parse_float(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    values = pd.to_numeric(col.str.strip(), errors="coerce").to_numpy(dtype=float)
    return values, ~np.isfinite(values)


def parse_int(col: pd.Series, default: int) -> tuple[np.ndarray, np.ndarray]:
    text = col.str.strip()
    blank = text == ""
    values = pd.to_numeric(text.where(~blank, str(default)), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (np.floor(values) != values)
    return np.where(bad, default, values).astype(np.int64), bad


def parse_bool(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    text = col.str.strip().str.lower()
    true = text.isin(TRUE_WORDS).to_numpy()
    false = text.isin(FALSE_WORDS).to_numpy()
    return true, ~(true | false)


def id_number_checks(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Bad format mask, and mask of 18-digit numbers whose check digit is wrong."""
    text = col.str.strip()
    present = (text != "").to_numpy()
    ok = text.str.match(ID_NUMBER_RE).to_numpy(dtype=bool)
    bad = present & ~ok
    wrong_check = np.zeros(len(text), dtype=bool)
    eighteen = np.flatnonzero(present & ok & (text.str.len() == 18).to_numpy())
    if len(eighteen):
        digits = np.array([[int(c) for c in s[:17]] for s in text.iloc[eighteen]])
        expected = np.array(list(ID_CHECK))[(digits @ ID_WEIGHTS) % 11]
        actual = text.iloc[eighteen].str[17].str.upper().to_numpy()
        wrong_check[eighteen] = expected != actual
    return bad, wrong_check


def phone_bad(col: pd.Series) -> np.ndarray:
    text = col.str.strip()
    return ((text != "") & ~text.str.match(PHONE_RE)).to_numpy(dtype=bool)
