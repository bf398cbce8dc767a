"""Writes for grids: partition runs (propose -> diff -> apply as a new dated version).

selector -> pure partitioner -> atomic save. A run and any other write to the same
village serialise on the village row (SELECT ... FOR UPDATE), and applying checks
that the village's grids did not change since the proposal was computed.
"""

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field

import shapely
import shapely.geometry
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids import selectors
from grids.appointments import appointments_accounts_sync, appointments_propose
from grids.locked import locked_join
from grids.models import (
    Grid,
    GridAssignment,
    GridVersion,
    MemberArea,
    PartitionRun,
)
from grids.partitioning import PartitionError, member_number, partition
from grids.partitioning.params import FAIL_GEOMETRY, FAIL_INTERNAL
from households.models import Village
from households.pg import tables_analyze
from households.stamps import data_changed

log = logging.getLogger(__name__)
MOVED_LISTED = 2000  # households listed by id in a diff; the count is always exact


class ConflictError(Exception):
    """The village changed since the proposal was made; nothing was written."""


def partition_run_create(
    *,
    scope: str,
    code: str = "",
    user=None,
    fresh: bool = False,
    workers: int = 1,
    computed_by: str = "",
) -> PartitionRun:
    """A new run, queued for a worker; with ``computed_by`` the caller computes it itself
    (already running, so no worker takes it)."""
    villages = selectors.villages_in_scope(scope, code)
    if not villages:
        raise ValueError(_("No villages in %(scope)s %(code)s") % {"scope": scope, "code": code})
    status = PartitionRun.Status.RUNNING if computed_by else PartitionRun.Status.QUEUED
    return PartitionRun.objects.create(
        scope=scope,
        scope_code=code,
        created_by=user,
        progress_total=len(villages),
        options={"fresh": fresh, "workers": workers},
        status=status,
        worker=computed_by[:100],
        heartbeat_at=timezone.now() if computed_by else None,
    )


def partition_run_compute(run: PartitionRun) -> PartitionRun:
    """Run the partitioner on PostGIS data and store the proposal and its diff.

    Never leaves the run running: a village the partitioner cannot partition is listed in
    ``run.summary["failed_villages"]`` (code, name, a readable reason, the error's text)
    and left out of the proposal, so the other villages' grids can still be applied; when
    no village could be partitioned, or anything else goes wrong, the run is failed with
    a message that says so in words (the log keeps the traceback).
    """
    run.status, run.heartbeat_at = PartitionRun.Status.RUNNING, timezone.now()
    run.save(update_fields=["status", "heartbeat_at"])
    try:
        return _compute(run)
    except Exception as exc:  # the page and the command show it; the log has the traceback
        log.exception("partition run %s failed", run.pk)
        if isinstance(exc, PartitionError):
            message = _("The data cannot be partitioned: %(reason)s") % {"reason": exc}
        else:
            message = _(
                "The partition stopped on an internal error and nothing was proposed; run it "
                "again, and if it fails again report run %(id)d. (%(error)s)"
            ) % {"id": run.pk, "error": f"{type(exc).__name__}: {exc}"}
        run.status, run.message, run.finished_at = (
            PartitionRun.Status.FAILED,
            message,
            timezone.now(),
        )
        run.save(update_fields=["status", "message", "finished_at"])
        return run


FAILURE_REASONS = {  # the partitioner's reasons (FAIL_*), in the user's words
    FAIL_GEOMETRY: gettext_lazy(
        "its village groups' polygons could not be turned into grid polygons; check their "
        "boundaries (thin strips, overlaps, self-crossing rings) and run it again"
    ),
    FAIL_INTERNAL: gettext_lazy("the partitioner stopped on an internal error"),
}


def _failed_villages(result, villages) -> list[dict]:
    names = {v.code: v.name for v in villages}
    return [
        {
            "code": f.village_id,
            "name": names.get(f.village_id, f.village_id),
            "reason": str(FAILURE_REASONS.get(f.reason, f.reason)),
            "detail": f.detail,
        }
        for f in result.failures
    ]


def failures_text(failed: list[dict]) -> str:
    """One line naming each failed village and why (for messages and the command)."""
    return "; ".join(
        _("%(name)s (%(code)s): %(reason)s") % {k: f[k] for k in ("name", "code", "reason")}
        for f in failed
    )


def _compute(run: PartitionRun) -> PartitionRun:
    villages = selectors.villages_in_scope(run.scope, run.scope_code)
    data = selectors.partition_inputs(villages)
    if data["households"].empty:
        run.status, run.message = PartitionRun.Status.FAILED, _("No households in this area.")
        run.finished_at = timezone.now()
        run.save()
        return run
    fresh = run.options.get("fresh", False)

    def progress(done, total):
        PartitionRun.objects.filter(pk=run.pk).update(
            progress_done=done, progress_total=total, heartbeat_at=timezone.now()
        )

    result = partition(
        data["households"],
        data["groups"],
        village_params=data["village_params"],
        previous=None if fresh or data["previous"].empty else data["previous"],
        locked=data["locked"],
        workers=run.options.get("workers", 1),
        seed=0,
        progress=progress,
    )
    failed = _failed_villages(result, villages)
    gone = {f["code"] for f in failed}  # left out of the proposal: applying never touches them
    if gone and gone >= set(data["base_versions"]):
        run.status, run.finished_at = PartitionRun.Status.FAILED, timezone.now()
        run.message = _("No village could be partitioned: %(villages)s") % {
            "villages": failures_text(failed)
        }
        run.summary = {"failed_villages": failed}
        run.save()
        return run
    group_label = dict(
        zip(
            data["groups"]["id"],
            data["groups"]["code"].where(data["groups"]["code"] != "", data["groups"]["name"]),
        )
    )
    locked_codes = set(data["locked"].grids["grid_id"]) if data["locked"] is not None else set()
    features = []
    for row in result.grids.itertuples(index=False):
        if row.village_id in gone:
            continue
        groups = [group_label.get(g, g) for g in str(row.group_ids).split(",") if g]
        features.append(
            {
                "type": "Feature",
                "id": row.grid_id,
                "geometry": shapely.geometry.mapping(_valid(row.grid_id, row.geometry)),
                "properties": {
                    "code": row.grid_id,
                    "village": row.village_id,
                    "households": int(row.households),
                    "members": int(row.members),
                    "groups": groups,
                    "locked": row.grid_id in locked_codes,
                },
            }
        )
    a = locked_join(result.assignments, data["households"], data["locked"])
    if gone:  # the failed villages' households stay as they are: not in the proposal
        village_of = dict(zip(data["groups"]["id"], data["groups"]["village_id"]))
        hv = dict(zip(data["households"]["id"], data["households"]["group_id"].map(village_of)))
        a = a[~a["household_id"].map(hv).isin(gone) & ~a["grid_id"].str[:12].isin(gone)]
    counts = (
        a[a["grid_id"] != ""]
        .groupby("grid_id")
        .agg(households=("household_id", "size"), members=("member_id", "nunique"))
    )
    for f in features:
        if f["id"] in counts.index:  # locked grids may have gained new households
            f["properties"]["households"] = int(counts.at[f["id"], "households"])
            f["properties"]["members"] = int(counts.at[f["id"], "members"])
    previous = data["previous"]
    if gone and len(previous):
        previous = previous[~previous["grid_id"].str[:12].isin(gone)]
    run.proposal = {
        "base_versions": {c: n for c, n in data["base_versions"].items() if c not in gone},
        "grids": {"type": "FeatureCollection", "features": features},
        "assignments": [
            [int(h), g, m] for h, g, m in zip(a["household_id"], a["grid_id"], a["member_id"]) if g
        ],
        "problems": [[int(h), p] for h, p in zip(a["household_id"], a["problem"]) if p],
    }
    run.diff = _diff(previous, a)
    run.summary = {k: v for k, v in result.summary.items() if _jsonable(v)}
    run.summary["failed_villages"] = failed
    run.status = PartitionRun.Status.PROPOSED
    run.finished_at = timezone.now()
    run.progress_done = run.progress_total
    run.save()
    return run


def _valid(code: str, geom):
    """The grid polygon, repaired if invalid: the database's grid_geom_valid check would
    otherwise make applying the proposal fail with an IntegrityError."""
    if geom.is_valid:
        return geom
    log.warning(
        "grid %s: invalid polygon from the partitioner (%s), repaired",
        code,
        shapely.is_valid_reason(geom),
    )
    return shapely.make_valid(geom, method="structure", keep_collapsed=False)


def _jsonable(value) -> bool:
    return isinstance(value, (int, float, str, bool, list, dict, type(None)))


def _diff(previous, assignments) -> dict:
    old = dict(zip(previous["household_id"], previous["grid_id"])) if len(previous) else {}
    new = {h: g for h, g in zip(assignments["household_id"], assignments["grid_id"]) if g}
    members_old, members_new = defaultdict(set), defaultdict(set)
    for h, g in old.items():
        members_old[g].add(h)
    for h, g in new.items():
        members_new[g].add(h)
    moved = sorted((h for h in new if h in old and old[h] != new[h]), key=int)
    return {
        "added": sorted(set(members_new) - set(members_old)),
        "removed": sorted(set(members_old) - set(members_new)),
        "changed": sorted(
            g for g in set(members_new) & set(members_old) if members_new[g] != members_old[g]
        ),
        "unchanged": sum(
            1 for g in set(members_new) & set(members_old) if members_new[g] == members_old[g]
        ),
        "moved_count": len(moved),
        "moved": [[int(h), old[h], new[h]] for h in moved[:MOVED_LISTED]],
        "newly_assigned": sum(1 for h in new if h not in old),
        "unassigned": int((assignments["grid_id"] == "").sum()),
        "first_version": not old,
    }


@transaction.atomic
def partition_run_apply(run: PartitionRun, *, user=None) -> list[GridVersion]:
    """Apply a proposal: one new dated version per village, closing the previous one."""
    if run.status != PartitionRun.Status.PROPOSED:
        raise ConflictError(
            _("This proposal is %(status)s and cannot be applied.")
            % {"status": run.get_status_display()}
        )
    codes = sorted(run.proposal["base_versions"])
    villages = {
        v.code: v for v in Village.objects.select_for_update().filter(code__in=codes).order_by("pk")
    }
    for code in codes:
        current = selectors.version_current(villages[code])
        base = run.proposal["base_versions"][code]
        if getattr(current, "number", None) != base:
            raise ConflictError(
                _(
                    "Village %(village)s changed since this proposal was made (version %(base)s is "
                    "now %(now)s); run the partition again."
                )
                % {
                    "village": villages[code].name,
                    "base": base or "—",
                    "now": getattr(current, "number", "—"),
                }
            )
    now = timezone.now()
    by_village = defaultdict(list)
    for f in run.proposal["grids"]["features"]:
        by_village[f["properties"]["village"]].append(f)
    members_of = defaultdict(lambda: defaultdict(list))
    for h, g, m in run.proposal["assignments"]:
        members_of[g][member_number(m) if m else 0].append(h)
    versions = []
    unchanged = _unchanged_villages(run, villages)
    for code in codes:
        village = villages[code]
        if code in unchanged:
            continue  # re-running on unchanged data changes nothing: no new version
        current = selectors.version_current(village)
        leaders, members = _posts(current)
        specs = []
        for f in by_village.get(code, []):
            p = f["properties"]
            areas = members_of[p["code"]]
            living = {h for households in areas.values() for h in households}
            leader, confirmed, home = leaders.get(p["code"], (None, False, None))
            if not confirmed and home not in living:  # a proposal follows its household
                leader = None
            spec_areas = []
            for number, households in sorted(areas.items()):
                member, m_confirmed, old = members.get((p["code"], number), (None, False, ()))
                if not m_confirmed and old != frozenset(households):  # area changed: propose again
                    member = None
                spec_areas.append(
                    AreaSpec(number, households, member, bool(member) and m_confirmed)
                )
            specs.append(
                GridSpec(
                    code=p["code"],
                    geom=_geos(f["geometry"]),
                    locked=p["locked"],
                    group_codes=",".join(p["groups"]),
                    leader=leader,
                    leader_confirmed=bool(leader) and confirmed,
                    areas=spec_areas,
                )
            )
        versions.append(
            version_create(
                village,
                current,
                specs,
                source=GridVersion.Source.PARTITION,
                user=user,
                now=now,
                note=_("Partition run %(id)d") % {"id": run.pk},
            )
        )
    run.status = PartitionRun.Status.APPLIED
    run.save(update_fields=["status"])
    if versions:  # the planner's statistics for the new versions' rows (autovacuum may be off)
        tables_analyze(GridVersion, Grid, MemberArea, GridAssignment)
    return versions


@dataclass(frozen=True)
class AreaSpec:
    """A member area of a new version: number 0 means households without an area."""

    number: int
    households: list
    member: int | None = None
    member_confirmed: bool = False


@dataclass(frozen=True)
class GridSpec:
    code: str
    geom: GEOSGeometry
    areas: list[AreaSpec] = field(default_factory=list)
    locked: bool = False
    group_codes: str = ""
    leader: int | None = None
    leader_confirmed: bool = False


def version_create(
    village: Village,
    current: GridVersion | None,
    grids: list[GridSpec],
    *,
    source: str,
    user=None,
    now=None,
    note: str = "",
) -> GridVersion:
    """Close ``current`` and create the next dated version of ``village`` from ``grids``.

    The caller holds the village row (SELECT ... FOR UPDATE) inside a transaction and has
    checked that ``current`` is still the open version. Empty leader and member posts
    are filled with proposals (appointments_propose).
    """
    now = now or timezone.now()
    if current:
        current.valid_to = now
        current.save(update_fields=["valid_to"])
    version = GridVersion.objects.create(
        village=village,
        number=(current.number + 1) if current else 1,
        valid_from=now,
        source=source,
        created_by=user,
        note=note[:300],
    )
    assignments = []
    for spec in grids:
        grid = Grid.objects.create(
            version=version,
            village=village,
            code=spec.code,
            geom=spec.geom,
            locked=spec.locked,
            household_count=sum(len(a.households) for a in spec.areas),
            group_codes=spec.group_codes[:500],
            leader_id=spec.leader,
            leader_confirmed=spec.leader_confirmed,
        )
        for a in spec.areas:
            area = None
            if a.number:
                area = MemberArea.objects.create(
                    grid=grid,
                    number=a.number,
                    household_count=len(a.households),
                    member_id=a.member,
                    member_confirmed=a.member_confirmed,
                )
            assignments += [
                GridAssignment(version=version, household_id=h, grid=grid, member_area=area)
                for h in a.households
            ]
    GridAssignment.objects.bulk_create(assignments, batch_size=5000)
    data_changed([village.township_id])
    appointments_propose(version)
    appointments_accounts_sync(village)
    return version


def _posts(version: GridVersion | None) -> tuple[dict, dict]:
    """Leaders and members of ``version``: kept in the new version if confirmed or still valid.

    leaders: grid code -> (person id, confirmed, the person's household id);
    members: (grid code, area number) -> (person id, confirmed, the area's households).
    """
    if version is None:
        return {}, {}
    leaders = {
        code: (pid, ok, home)
        for code, pid, ok, home in Grid.objects.filter(
            version=version, leader__isnull=False
        ).values_list("code", "leader_id", "leader_confirmed", "leader__household_id")
    }
    households = defaultdict(set)
    for area, h in GridAssignment.objects.filter(version=version).values_list(
        "member_area_id", "household_id"
    ):
        households[area].add(h)
    members = {
        (code, n): (pid, ok, frozenset(households[pk]))
        for pk, code, n, pid, ok in MemberArea.objects.filter(
            grid__version=version, member__isnull=False
        ).values_list("pk", "grid__code", "number", "member_id", "member_confirmed")
    }
    return leaders, members


def _unchanged_villages(run: PartitionRun, villages: dict) -> set[str]:
    """Villages whose proposal equals their current grids (same households, grids, areas)."""
    proposed = defaultdict(set)
    village_of = {f["id"]: f["properties"]["village"] for f in run.proposal["grids"]["features"]}
    for h, g, m in run.proposal["assignments"]:
        proposed[village_of[g]].add((h, g, m))
    current = selectors.current_assignments(list(villages.values()))
    existing = defaultdict(set)
    for h, g, m in zip(current["household_id"], current["grid_id"], current["member_id"]):
        existing[g[:12]].add((int(h), g, m))
    return {code for code in villages if existing[code] and existing[code] == proposed[code]}


def _geos(geometry: dict) -> GEOSGeometry:
    geom = GEOSGeometry(json.dumps(geometry), srid=4326)
    return MultiPolygon(geom, srid=4326) if geom.geom_type == "Polygon" else geom


def partition_run_discard(run: PartitionRun) -> None:
    if run.status in (PartitionRun.Status.PROPOSED, PartitionRun.Status.FAILED):
        run.status = PartitionRun.Status.DISCARDED
        run.save(update_fields=["status"])
