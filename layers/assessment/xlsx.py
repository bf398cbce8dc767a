"""The finance office's workbook: one sheet per run, Chinese headers, one row per person."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from .models import INDICATORS, TIERS

HEADERS = [
    "名次",
    "姓名",
    "岗位",
    "村",
    "网格编码",
    "联户号",
    "户数",
    "走访户数",
    "走访覆盖率",
    "户均走访次数",
    "上报事件",
    "办结",
    "按期办结",
    "按期办结率",
    "被退回",
    "群众评价",
    "在岗天数",
    "计算得分",
    "人工加减分",
    "调整",
    "最终得分",
    "等次",
    "补贴（元）",
]
TIER_ZH = {"excellent": "优秀", "pass": "合格", "basic": "基本合格", "fail": "不合格"}
POST_ZH = {"leader": "网格长", "member": "网格员"}
assert set(TIER_ZH) == set(TIERS) and "coverage" in INDICATORS


def workbook(run, scores) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{run.label}"[:31]
    ws.append([f"{run.township.name} 网格长、网格员考核 {run.label}（{run.get_status_display()}）"])
    ws.append(HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for s in scores:
        i = s.indicators
        ws.append(
            [
                s.rank,
                s.person.name,
                POST_ZH[s.post],
                s.village.name,
                s.grid_code,
                s.member_number,
                i["households"],
                i["visited"],
                i["coverage"],
                i["visits_per_household"],
                i["reported"],
                i["closed"],
                i["closed_on_time"],
                i["on_time_rate"],
                i["sent_back"],
                i["rating"],
                i["days_in_post"],
                s.base,
                s.manual,
                s.adjustment,
                s.final,
                TIER_ZH[s.tier],
                float(s.subsidy),
            ]
        )
    ws.append([])
    ws.append(
        [
            "合计",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            float(sum(s.subsidy for s in scores)),
        ]
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
