"""The default incident categories: data a county edits in the Django admin.

Time limits from practice (the county plan's handling rules): on the spot the same day
(24 h), ordinary matters 3 days, difficult ones 7 days and at most 15 with approval,
mediation of disputes within 30 days. Only the difficult ones can be extended. Disputes start at the village mediation room (初诊);
social assistance and suggestions at the township, which decides on them.
"""

DAY = 24  # hours

# code, name, time limit (hours), at most with extensions (hours), starting tier, colour
DEFAULT_CATEGORIES = (
    ("dispute", "矛盾纠纷", 30 * DAY, 30 * DAY, "village", "#d62728"),
    ("hazard", "安全隐患", 1 * DAY, 1 * DAY, "village", "#ff7f0e"),
    ("sanitation", "环境卫生", 3 * DAY, 3 * DAY, "village", "#2ca02c"),
    ("assistance", "社会救助", 7 * DAY, 15 * DAY, "township", "#9467bd"),
    ("policy", "政策咨询", 3 * DAY, 3 * DAY, "village", "#1f77b4"),
    ("wish", "微心愿", 7 * DAY, 15 * DAY, "village", "#e377c2"),
    ("suggestion", "建言献策", 7 * DAY, 15 * DAY, "township", "#8c564b"),
)


def categories_ensure(category_model) -> int:
    """Create the default categories that are missing (a category a county edited is left
    as it is); ``category_model`` is the model (or the migration's historical model)."""
    created = 0
    for order, (code, name, hours, max_hours, tier, color) in enumerate(DEFAULT_CATEGORIES):
        _c, new = category_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "deadline_hours": hours,
                "max_hours": max_hours,
                "start_tier": tier,
                "color": color,
                "order": order,
            },
        )
        created += new
    return created
