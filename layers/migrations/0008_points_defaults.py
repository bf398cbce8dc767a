"""Default points categories, and the imported 文明积分 of every household as the opening
entry of its civility ledger."""

from django.db import migrations

from layers.points.defaults import CIVILITY, PARTY

OPENINGS = """
INSERT INTO layers_civilityentry
    (household_id, kind, "on", points, note, status, recorder_role, created_at, photo,
     approved_at)
SELECT h.id, 'opening', CURRENT_DATE, h.civility_points, '导入的文明积分 (imported)',
       'approved', 'import', now(), '', now()
FROM households_household h
WHERE h.civility_points <> 0
  AND NOT EXISTS (SELECT 1 FROM layers_civilityentry e
                  WHERE e.household_id = h.id AND e.kind = 'opening')
"""


def forwards(apps, schema_editor):
    Category = apps.get_model("layers", "Category")
    for ledger, items in (("civility", CIVILITY), ("party", PARTY)):
        for order, (code, name, points, redemption) in enumerate(items):
            Category.objects.get_or_create(
                ledger=ledger,
                code=code,
                defaults={
                    "name": str(name),
                    "default_points": points,
                    "redemption": redemption,
                    "order": order,
                },
            )
    schema_editor.execute(OPENINGS)


class Migration(migrations.Migration):
    dependencies = [("layers", "0007_assessment_points")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
