"""The downloadable household template: Chinese headers, a sheet explaining each column."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

# (Chinese header, canonical column, required, description)
HOUSEHOLD_COLUMNS = [
    ("户编号", "id", True, "户的唯一编号 / unique household id"),
    ("户主", "head", False, "户主姓名 / head of household"),
    ("人口数", "members", False, "家庭人口数，默认 1 / members, default 1"),
    ("身份证号", "id_number", False, "18 位身份证号 / 18-digit ID number"),
    ("联系电话", "phone", False, "phone"),
    ("地址", "address", False, "address"),
    ("经度", "lon", True, "经度（默认 WGS84，可用 --crs 指定 gcj02/bd09）/ longitude"),
    ("纬度", "lat", True, "纬度 / latitude"),
    ("村民小组编码", "group_code", False, "14 位编码，仅核对用；归属以坐标判定 / checked only"),
    ("党员户", "party_member_household", False, "是/否 或 1/0"),
    ("低保户", "dibao", False, "是/否"),
    ("五保户", "wubao", False, "是/否"),
    ("脱贫户/监测户", "poverty_monitoring", False, "是/否"),
    ("留守儿童", "left_behind_children", False, "是/否"),
    ("空巢老人", "elderly_alone", False, "是/否"),
    ("残疾人", "disabled", False, "是/否"),
    ("退役军人", "veteran", False, "是/否"),
    ("文明积分", "civility_points", False, "整数 / whole number"),
]
EXAMPLE = [
    "H0001",
    "张三",
    "4",
    "",
    "13800001234",
    "坑口村上屋组 12 号",
    "115.60123",
    "26.01234",
    "",
    "否",
    "否",
    "否",
    "否",
    "否",
    "否",
    "否",
    "否",
    "0",
]


def household_template_xlsx() -> bytes:
    return template_xlsx("户信息", HOUSEHOLD_COLUMNS, EXAMPLE)


def template_xlsx(title: str, columns: list[tuple], example: list[str]) -> bytes:
    """A template: the headers on the first sheet (required ones shaded), and a second sheet
    explaining each column with an example row. `columns`: (Chinese header, canonical
    column, required, description)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append([c[0] for c in columns])  # no example row here: it would be imported
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FCE4D6")
    for cell, col in zip(ws[1], columns, strict=True):
        cell.font = bold
        if col[2]:
            cell.fill = fill
        ws.column_dimensions[cell.column_letter].width = max(10, len(col[0]) * 2 + 4)
    ws.freeze_panes = "A2"
    doc = wb.create_sheet("说明 Columns")
    doc.append(["中文表头", "English column", "必填 required", "说明 description"])
    for zh, en, required, desc in columns:
        doc.append([zh, en, "是 yes" if required else "", desc])
    doc.append([])
    doc.append([f"示例 example（填写在“{title}”表中 / fill in on the first sheet）"])
    doc.append([c[0] for c in columns])
    doc.append(example)
    for cell in doc[1]:
        cell.font = bold
    for letter, width in zip("ABCD", (16, 26, 14, 60), strict=True):
        doc.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
