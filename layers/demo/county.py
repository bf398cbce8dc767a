"""The demo county's year of grids: files from the generator, the real importers, the real
partition service, versions dated over the year before the anchor date.

Townships draw their grids one after another (the pilot townships first,
``ROLLOUT_DAYS_AGO`` before the anchor, then one township every ``ROLLOUT_STEP_DAYS``),
so the month-by-month coverage rises as it would in a pilot. Mid-year
(``REPARTITION_DAYS_AGO``) the households registered during the year are imported and
坑口村, where most of them live, is partitioned again: its second version. The others,
registered in villages nobody re-partitioned, stay outside every grid.

Each step looks at the database first and does only what is missing, so running the
load again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from grids.models import GridVersion, PartitionRun
from grids.services import partition_run_apply, partition_run_compute, partition_run_create
from households.importing import import_households, import_persons, import_village_groups
from households.models import Township, Village

GENERATOR = Path(settings.BASE_DIR) / "sample_data" / "generate.py"
KENGKOU = "360721100200"  # 坑口村: the village user's village, re-partitioned mid-year
YEAR_DAYS = 365
ROLLOUT_DAYS_AGO = YEAR_DAYS
ROLLOUT_STEP_DAYS = 30
REPARTITION_DAYS_AGO = 180
WORKING_HOUR = 9  # versions are applied at 09:00 local time


@cache
def generator():
    """sample_data/generate.py (sample_data is not a package: loaded by path)."""
    spec = importlib.util.spec_from_file_location("sample_data_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def county_files(out: Path, households: int) -> dict[str, Path]:
    gen = generator()
    gen.make_demo_county(out, households, seed=gen.DEMO_COUNTY_SEED)
    names = ("village_groups.geojson", "households.csv", "persons.csv")
    later = ("households_new.csv", "persons_new.csv")
    return {name: out / name for name in (*names, *later)}


def import_files(groups: Path | None, households: Path, persons: Path, write) -> None:
    """The real importers, as township staff would run them; each is one transaction."""
    if groups is not None:
        write(import_village_groups(groups).summary())
    write(import_households(households).summary())
    write(import_persons(persons).summary())


def anchor_date() -> dt.date:
    """The day the demo's year ends: today on a first load; on a later load the day the
    first load took as today (a year after the first version), so nothing moves."""
    first = GridVersion.objects.filter(number=1).aggregate(first=Min("valid_from"))["first"]
    if first is None:
        return timezone.localdate()
    return timezone.localdate(first) + dt.timedelta(days=ROLLOUT_DAYS_AGO)


def at(anchor: dt.date, days_ago: int) -> dt.datetime:
    day = anchor - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(WORKING_HOUR)))


def unpartitioned() -> bool:
    """Some village has no grids yet."""
    return Village.objects.filter(grid_versions__isnull=True).exists()


def rollout(anchor: dt.date, write) -> int:
    """Partition every township whose villages have no grids yet, dated by its turn."""
    pilots = len(generator().PILOT_TOWNSHIPS)  # 360721100..102, first in code order
    created = 0
    for rank, township in enumerate(Township.objects.order_by("code")):
        villages = Village.objects.filter(township=township)
        if not villages.exists() or not villages.filter(grid_versions__isnull=True).exists():
            continue
        days_ago = ROLLOUT_DAYS_AGO - ROLLOUT_STEP_DAYS * max(0, rank - pilots + 1)
        created += len(
            _partition(PartitionRun.Scope.TOWNSHIP, township.code, at(anchor, days_ago), write)
        )
    return created


def midyear(files: dict[str, Path], anchor: dt.date, write) -> int:
    """Households registered during the year, and 坑口村 partitioned again for them."""
    import_files(None, files["households_new.csv"], files["persons_new.csv"], write)
    village = Village.objects.filter(code=KENGKOU).first()
    if village is None or village.grid_versions.count() != 1:
        return 0
    when = at(anchor, REPARTITION_DAYS_AGO)
    return len(_partition(PartitionRun.Scope.VILLAGE, KENGKOU, when, write))


@transaction.atomic
def _partition(scope: str, code: str, when: dt.datetime, write) -> list[GridVersion]:
    """The real partition service (propose, apply), then dated ``when``."""
    run = partition_run_create(scope=scope, code=code, computed_by="manage.py load_demo")
    run = partition_run_compute(run)
    if run.status == PartitionRun.Status.FAILED:
        raise CommandError(f"partition of {scope} {code} failed: {run.message}")
    versions = partition_run_apply(run)
    _date(run, versions, when)
    write(
        f"{scope} {code}: {run.summary.get('grids', 0)} grids, "
        + ", ".join(f"{v.village.code} v{v.number}" for v in versions)
    )
    return versions


def _date(run: PartitionRun, versions: list[GridVersion], when: dt.datetime) -> None:
    """The partition service stamps the present; the demo's history happened earlier, so
    the run and its versions are dated ``when``. A version that replaced another closes
    that one at the same moment."""
    for version in versions:
        GridVersion.objects.filter(village=version.village, number=version.number - 1).update(
            valid_to=when
        )
        GridVersion.objects.filter(pk=version.pk).update(valid_from=when)
    PartitionRun.objects.filter(pk=run.pk).update(
        created_at=when, finished_at=when, heartbeat_at=when
    )
