from django.core.management.base import BaseCommand, CommandError

from grids.models import PartitionRun
from grids.services import (
    ConflictError,
    failures_text,
    partition_run_apply,
    partition_run_compute,
    partition_run_create,
)


class Command(BaseCommand):
    help = (
        "Partition villages into grids and member areas; apply as a new dated version. "
        "Villages that cannot be partitioned are named and left as they are; the others "
        "are applied, and the command exits with status 1."
    )

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--village", metavar="CODE", help="12-digit village code")
        scope.add_argument("--township", metavar="CODE", help="9-digit township code")
        scope.add_argument("--all", action="store_true", help="every village of the county")
        parser.add_argument(
            "--dry-run", action="store_true", help="show the proposal and diff only"
        )
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="ignore the current grids (default: keep households where they are)",
        )
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, **opts):
        if opts["village"]:
            scope, code = PartitionRun.Scope.VILLAGE, opts["village"]
        elif opts["township"]:
            scope, code = PartitionRun.Scope.TOWNSHIP, opts["township"]
        else:
            scope, code = PartitionRun.Scope.COUNTY, ""
        try:
            run = partition_run_create(
                scope=scope,
                code=code,
                fresh=opts["fresh"],
                workers=opts["workers"],
                computed_by="manage.py partition",
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        run = partition_run_compute(run)  # never leaves the run running
        if run.status == PartitionRun.Status.FAILED:
            raise CommandError(run.message)
        s, d = run.summary, run.diff
        failed = s.get("failed_villages") or []
        self.stdout.write(
            f"{s.get('grids', 0)} grids, {s.get('assigned', 0)} households assigned; "
            f"in band {s.get('in_band', 0):.1%}; member areas in band {s.get('member_band', 0):.1%}; "
            f"{len(d['added'])} grids added, {len(d['removed'])} removed, {len(d['changed'])} changed, "
            f"{d['unchanged']} unchanged; {d['moved_count']} households moved, "
            f"{d['newly_assigned']} newly assigned, {d['unassigned']} unassigned"
        )
        if opts["dry_run"]:
            self.stdout.write(f"dry run: nothing applied (proposal kept as run {run.pk})")
        else:
            try:
                versions = partition_run_apply(run)
            except ConflictError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"applied: {len(versions)} villages with a new version"
                + "".join(f", {v.village.code} v{v.number}" for v in versions)
            )
        if failed:
            raise CommandError(
                f"{len(failed)} villages could not be partitioned and were left as they are: "
                + failures_text(failed)
            )
