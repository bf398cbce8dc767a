"""Thin views of the assessment: the index (runs, rules, the year lock, who failed twice),
a run's ranked table with its forms, a person's trend, the finance office's XLSX."""

import datetime as dt
import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from households.access import require, scope_for
from households.models import Person, Township

from . import selectors, services, tasks
from .forms import ChangeForm, LockForm, ManualForm, RuleForm, StartForm, errors_text
from .models import INDICATORS, TIERS, RuleSet, Run
from .rules import RuleError
from .xlsx import workbook

ERR_CONFIRM = _("confirm: tick the box to publish.")


def refused(request, message, status=400):
    return render(request, "layers/assessment/refused.html", {"message": message}, status=status)


def _run(request, pk, action="assess") -> Run:
    run = get_object_or_404(selectors.runs(scope_for(request.user)), pk=pk)
    require(request.user, action)
    return run


@login_required
@require_GET
def assessment_index(request):
    scope = require(request.user, "assess")
    return render(
        request,
        "layers/assessment/index.html",
        {
            "runs": selectors.runs(scope),
            "locked": sorted(selectors.locked_years()),
            "failing": selectors.failing_twice(scope),
            "townships": Township.objects.for_scope(scope),
            "can_adjust": scope.can("assess_adjust"),
            "can_rules": scope.can("assess_rules"),
            "kinds": Run.Kind.choices,
            "this_year": timezone.localdate().year,
        },
    )


@login_required
@require_POST
def assessment_start(request, code):
    township = get_object_or_404(Township.objects.for_scope(scope_for(request.user)), code=code)
    require(request.user, "assess_adjust")
    form = StartForm(request.POST)
    if not form.is_valid():
        return refused(request, errors_text(form))
    try:
        run = tasks.run_start(township=township, **form.cleaned_data)
    except services.AssessmentError as exc:
        return refused(request, str(exc))
    return redirect("assessment-run", pk=run.pk)


@login_required
@require_POST
def assessment_county_start(request):
    """County staff: every township's draft of a period, one job (one statement)."""
    scope = require(request.user, "assess_rules")
    form = StartForm(request.POST)
    if not form.is_valid():
        return refused(request, errors_text(form))
    try:
        tasks.county_start(townships=Township.objects.for_scope(scope), **form.cleaned_data)
    except services.AssessmentError as exc:
        return refused(request, str(exc))
    return redirect("assessment")


@login_required
def assessment_rules(request):
    scope = require(request.user, "assess_rules")
    form, error = RuleForm(request.POST or None), ""
    if request.method == "POST":
        if form.is_valid():
            try:
                services.rule_set_create(by=request.user, **form.cleaned_data)
                return redirect("assessment-rules")
            except (RuleError, services.AssessmentError) as exc:
                error = str(exc)
        else:
            error = errors_text(form)
    elif latest := RuleSet.objects.for_scope(scope).first():
        form = RuleForm(
            initial={
                "name": latest.name,
                "weight_total": latest.weight_total,
                "weights": json.dumps(latest.weights, ensure_ascii=False),
                "tiers": json.dumps(latest.tiers, ensure_ascii=False),
                "targets": json.dumps(latest.targets, ensure_ascii=False),
            }
        )
    return render(
        request,
        "layers/assessment/rules.html",
        {
            "rules": RuleSet.objects.for_scope(scope),
            "form": form,
            "error": error,
            "indicators": INDICATORS,
            "tiers": TIERS,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def assessment_lock(request):
    require(request.user, "assess_rules")
    form = LockForm(request.POST)
    if not form.is_valid():
        return refused(request, errors_text(form))
    try:
        services.year_lock(year=form.cleaned_data["year"], by=request.user)
    except services.AssessmentError as exc:
        return refused(request, str(exc))
    return redirect("assessment")


@login_required
@require_GET
def assessment_run(request, pk):
    run = _run(request, pk)
    scope = scope_for(request.user)
    locked = run.starts_on.year in selectors.locked_years()
    return render(
        request,
        "layers/assessment/run.html",
        {
            "run": run,
            "scores": selectors.ranked(scope, run),
            "changes": selectors.changes(scope, run),
            "indicators": INDICATORS,
            "locked": locked,
            "can_adjust": scope.can("assess_adjust") and not locked,
            "computing": run.status in (Run.Status.QUEUED, Run.Status.RUNNING),
        },
    )


def _person(request, run, pk):
    return get_object_or_404(Person.objects.for_scope(scope_for(request.user)), pk=pk)


@login_required
@require_POST
def assessment_adjust(request, pk):
    run = _run(request, pk, "assess_adjust")
    form = ChangeForm(request.POST)
    if not form.is_valid():
        return refused(request, errors_text(form))
    person = _person(request, run, form.cleaned_data["person"])
    try:
        services.score_change(
            run=run,
            person=person,
            delta=form.cleaned_data["points"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except services.AssessmentError as exc:
        return refused(request, str(exc))
    return redirect("assessment-run", pk=run.pk)


@login_required
@require_POST
def assessment_manual(request, pk):
    run = _run(request, pk, "assess_adjust")
    form = ManualForm(request.POST)
    if not form.is_valid():
        return refused(request, errors_text(form))
    person = _person(request, run, form.cleaned_data["person"])
    try:
        services.manual_add(
            run=run,
            person=person,
            label=form.cleaned_data["label"],
            points=form.cleaned_data["points"],
            note=form.cleaned_data["reason"],
            by=request.user,
        )
    except services.AssessmentError as exc:
        return refused(request, str(exc))
    return redirect("assessment-run", pk=run.pk)


@login_required
@require_POST
def assessment_publish(request, pk):
    run = _run(request, pk, "assess_adjust")
    if request.POST.get("confirm") != "1":
        return refused(request, ERR_CONFIRM)
    try:
        services.run_publish(run=run, by=request.user)
    except services.AssessmentError as exc:
        return refused(request, str(exc))
    return redirect("assessment-run", pk=run.pk)


@login_required
@require_GET
def assessment_xlsx(request, pk):
    run = _run(request, pk)
    if run.status not in (Run.Status.DRAFT, Run.Status.PUBLISHED):
        raise Http404
    body = workbook(run, list(selectors.ranked(scope_for(request.user), run)))
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"assessment-{run.township.code}-{run.kind}-{run.starts_on:%Y%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def assessment_person(request, pk):
    person = get_object_or_404(Person.objects.for_scope(scope_for(request.user)), pk=pk)
    scope = require(request.user, "assess")
    rows = list(selectors.trend(scope, person))
    return render(
        request,
        "layers/assessment/person.html",
        {"person": person, "rows": rows, "indicators": INDICATORS, "today": dt.date.today()},
    )
