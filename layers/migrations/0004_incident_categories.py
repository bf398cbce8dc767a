"""The default incident categories (layers/incidents/defaults.py), editable in the admin."""

from django.db import migrations


def categories_add(apps, schema_editor):
    from layers.incidents.defaults import categories_ensure

    categories_ensure(apps.get_model("layers", "IncidentCategory"))


class Migration(migrations.Migration):
    dependencies = [("layers", "0003_incidents")]

    operations = [migrations.RunPython(categories_add, migrations.RunPython.noop)]
