"""What the readers share: canonical columns and their headers, limits, and read errors.

Columns are normalised to canonical English names; Chinese headers and common variants are
recognised, other names are mapped with `column_map`. Messages name a column by the header
the file uses for it, or by its Chinese header when the file has none.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from django.utils.translation import gettext_lazy as _

from .report import Problem

TABLE_SUFFIXES = {".csv", ".txt", ".xlsx"}
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".zip", ".shp", ".kml", ".kmz"}

# Canonical column -> accepted headers (compared case-insensitively, spaces stripped)
HOUSEHOLD_ALIASES = {
    "id": ["id", "household_id", "户编号", "户号", "编号"],
    "lon": ["lon", "lng", "longitude", "x", "经度"],
    "lat": ["lat", "latitude", "y", "纬度"],
    "head": ["head", "户主", "户主姓名"],
    "members": ["members", "人口数", "家庭人口", "人口"],
    "id_number": ["id_number", "身份证号", "身份证号码"],
    "phone": ["phone", "联系电话", "电话", "手机号"],
    "address": ["address", "地址", "住址"],
    "group_code": ["group_code", "村民小组编码", "小组编码"],
    "party_member_household": ["party_member_household", "党员户"],
    "dibao": ["dibao", "低保户", "低保"],
    "wubao": ["wubao", "五保户", "五保"],
    "poverty_monitoring": ["poverty_monitoring", "脱贫户/监测户", "监测户", "脱贫户"],
    "left_behind_children": ["left_behind_children", "留守儿童"],
    "elderly_alone": ["elderly_alone", "空巢老人", "独居老人"],
    "disabled": ["disabled", "残疾人", "残疾"],
    "veteran": ["veteran", "退役军人"],
    "civility_points": ["civility_points", "文明积分"],
}
GROUP_ALIASES = {
    "code": ["code", "group_code", "小组编码", "村民小组编码", "编码"],
    "name": ["name", "group_name", "小组名称", "村民小组", "名称"],
    "village_code": ["village_code", "村编码", "行政村编码", "村代码"],
    "village_name": ["village_name", "村名称", "行政村", "村名"],
    "township_code": ["township_code", "乡镇编码", "乡镇代码"],
    "township_name": ["township_name", "乡镇名称", "乡镇"],
}
PERSON_ALIASES = {
    "name": ["name", "姓名"],
    "household_id": ["household_id", "户编号", "户号"],
    "phone": ["phone", "联系电话", "电话", "手机号"],
    "party_member": ["party_member", "党员", "政治面貌"],
    "group_leader": ["group_leader", "村民小组长", "组长"],
    "womens_group_leader": ["womens_group_leader", "妇女小组长"],
    "five_elders": ["five_elders", "五老"],
    "villagers_representative": ["villagers_representative", "村民代表"],
    "capable_villager": ["capable_villager", "乡贤能人", "能人"],
}

DBF_NAME_LEN = 10  # Shapefile attribute names are cut to 10 characters (dBase III)

# Limits on what one file may hold, checked before it is parsed so that a malformed file is
# refused at once and in bounded memory. A county's household file is about 200,000 rows of
# 150 bytes (bench/import_bench.py: 30 MB); the largest Chinese counties have under 500,000
# households. A row of the household template is under 2 KB even with 200-character
# addresses; XLSX sheets end at column 16,384 anyway.
MAX_FILE_MB = 200
MAX_ROWS = 1_000_000
MAX_COLUMNS = 500
MAX_LINE_BYTES = 64 * 1024

ERR_EMPTY_FILE = _("the file is empty")
ERR_NO_ROWS = _("no data rows below the header")
ERR_MAP_COLUMN = _("unknown canonical column %(col)s in the column map")
ERR_UNREADABLE = _("cannot read the file: %(error)s")
ERR_SUFFIX = _("unsupported file type %(suffix)s (use %(allowed)s)")
ERR_TOO_BIG = _("the file is %(size)d MB; at most %(max)d MB per file")
ERR_TOO_MANY_ROWS = _("the file has %(rows)d rows; at most %(max)d per file (split it by township)")
ERR_TOO_MANY_COLUMNS = _("the file has %(columns)d columns; at most %(max)d")
WARN_SAME_FIELD = _(
    "columns %(first)s and %(second)s are read as the same field: %(second)s is ignored"
)

GEOMETRY = _("geometry")  # the field named by problems with a feature's geometry
CRS = _("coordinate system")  # ... and by problems with the file's CRS


class ReadError(Exception):
    """The file cannot be read; `row` and `field` name the place when there is one."""

    def __init__(self, message, row: int | None = None, field: str = ""):
        super().__init__(str(message))
        self.row, self.field = row, field


@dataclass
class Table:
    """A file read as text cells: the frame, the file row (or feature number) of each record,
    and what reading found: warnings, and errors of single cells (their rows are `bad`)."""

    frame: pd.DataFrame
    rows: np.ndarray
    where: str = "row"
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    labels: dict = field(default_factory=dict)  # canonical column -> header shown

    @property
    def bad(self) -> np.ndarray:
        bad = np.zeros(len(self.frame), dtype=bool)
        rejected = {p.row for p in self.errors}
        if rejected:
            bad[np.isin(self.rows, list(rejected))] = True
        return bad


def _key(name: str) -> str:
    return str(name).strip().lower().replace(" ", "")


def chinese_header(canon: str, aliases: dict) -> str:
    """The Chinese header of a canonical column (the import template's), else its name."""
    return next((a for a in aliases.get(canon, []) if not a.isascii()), canon)


def map_columns(table: Table, aliases: dict, column_map: dict | None = None) -> list[str]:
    """Keep the recognised columns under their canonical names; fill `table.labels`; return
    the headers that are not recognised.

    Headers named in `column_map` win over the built-in aliases. Shapefile (DBF) field names
    are cut to 10 characters, so `village_co` is read as `village_code`. A second column
    that would be read as the same field is left out, with a warning.
    """
    lookup = {}
    for canon, names in aliases.items():
        for alias in names:
            lookup[_key(alias)] = canon
    for canon, names in aliases.items():
        for alias in names:
            if len(_key(alias)) > DBF_NAME_LEN:
                lookup.setdefault(_key(alias)[:DBF_NAME_LEN], canon)
    explicit = {}
    for canon, header in (column_map or {}).items():
        if canon not in aliases:
            raise ReadError(ERR_MAP_COLUMN % {"col": canon})
        explicit[_key(header)] = canon
    labels, unknown, keep = {}, [], []
    for i, col in enumerate(table.frame.columns):
        if col == "geometry":
            keep.append((i, col))
            continue
        key = _key(col)
        canon = explicit.pop(key, None)  # a mapped header is taken once
        if canon is None and lookup.get(key) not in set((column_map or {}).keys()):
            canon = lookup.get(key)
        if canon and canon in labels:
            message = WARN_SAME_FIELD % {"first": labels[canon], "second": col}
            table.warnings.append(Problem(None, str(col), message))
            continue
        if canon:
            labels[canon] = str(col)
            keep.append((i, canon))
        else:  # left out: nothing reads it, and two of them may share a header
            unknown.append(str(col))
    frame = table.frame.iloc[:, [i for i, _name in keep]]
    frame.columns = [name for _i, name in keep]
    table.frame = frame
    table.labels = {c: labels.get(c) or chinese_header(c, aliases) for c in aliases}
    return unknown


def check_suffix(path: Path, allowed: set[str]) -> None:
    if path.suffix.lower() not in allowed:
        raise ReadError(
            ERR_SUFFIX % {"suffix": path.suffix or "?", "allowed": ", ".join(sorted(allowed))}
        )


def check_size(path: Path) -> int:
    """The size of the file in bytes; ReadError if it is empty or over MAX_FILE_MB."""
    size = path.stat().st_size
    if size == 0:
        raise ReadError(ERR_EMPTY_FILE)
    if size > MAX_FILE_MB * 1024 * 1024:
        raise ReadError(ERR_TOO_BIG % {"size": size // (1024 * 1024), "max": MAX_FILE_MB})
    return size


def check_shape(rows: int, columns: int) -> None:
    if rows > MAX_ROWS:
        raise ReadError(ERR_TOO_MANY_ROWS % {"rows": rows, "max": MAX_ROWS})
    if columns > MAX_COLUMNS:
        raise ReadError(ERR_TOO_MANY_COLUMNS % {"columns": columns, "max": MAX_COLUMNS})


def without_paths(message: str, path: Path) -> str:
    """A library's message with the server's folders taken out: only the file name stays."""
    folder = str(path.parent)
    for prefix in (f"/vsizip/{folder}/", f"/vsizip/{folder}", f"{folder}/", folder):
        message = message.replace(prefix, "")
    return message


def strip_cells(df: pd.DataFrame) -> pd.DataFrame:
    return df.apply(lambda col: col.str.strip() if col.name != "geometry" else col)
