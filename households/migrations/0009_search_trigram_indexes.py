"""Trigram indexes for the map search box (layers.search): a search is ``icontains``, which
Django writes as ``UPPER(col) LIKE UPPER('%q%')``; these GIN indexes on ``UPPER(col)``
answer it without reading every row (pg_trgm reads Chinese characters too). On 200,000
households a search went from 0.3–1.6 s to 20–40 ms (bench/export_bench.py)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "household_head_trgm": ("households_household", "head"),
    "household_address_trgm": ("households_household", "address"),
    "household_external_id_trgm": ("households_household", "external_id"),
    "person_name_trgm": ("households_person", "name"),
}


class Migration(migrations.Migration):
    dependencies = [("households", "0008_usernames_not_personal_data")]

    operations = [
        TrigramExtension(),  # pg_trgm is a trusted extension: the database owner may add it
        *(
            migrations.RunSQL(
                f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER("{column}") '
                "gin_trgm_ops)",
                f"DROP INDEX IF EXISTS {name}",
            )
            for name, (table, column) in INDEXES.items()
        ),
    ]
