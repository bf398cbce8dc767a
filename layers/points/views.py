"""Thin views of the points ledgers: the points page (record, approve, balances), a
household's ledger and redemption, the red and black boards, the party-member ranking."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from households.access import require, scope_for
from households.models import Household, Person, Village
from households.privacy import access_log_write

from . import selectors, services
from .forms import BoardSettingForm, CivilityForm, DecideForm, PartyForm, RedeemForm, errors_text
from .models import CivilityEntry, PartyEntry

PAGE = 50
ERR_MONTH = "month: expected YYYY-MM"
ERR_YEAR = "year: expected a year from 2000 to 2100"


def refused(request, message, status=400):
    return render(request, "layers/assessment/refused.html", {"message": message}, status=status)


@login_required
@require_GET
def points_index(request):
    scope = require(request.user, "view_points")
    households = selectors.households_with_balance(scope).order_by("external_id")
    q = request.GET.get("q", "").strip()
    if q:
        households = households.filter(Q(external_id__startswith=q) | Q(head__startswith=q))
    return render(
        request,
        "layers/points/index.html",
        {
            "households": Paginator(households.only("external_id", "head"), PAGE).get_page(
                request.GET.get("page")
            ),
            "q": q,
            "pending": selectors.pending_civility(scope)[:100],
            "pending_party": selectors.pending_party(scope)[:100],
            "can_record": scope.can("record_points"),
            "can_approve": scope.can("approve_points"),
            "civility_form": CivilityForm(initial={"on": timezone.localdate().isoformat()}),
            "party_form": PartyForm(initial={"on": timezone.localdate().isoformat()}),
            "members": selectors.party_members(scope).order_by("name")[:500],
            "villages": Village.objects.for_scope(scope),
            "month": timezone.localdate().strftime("%Y-%m"),
        },
    )


@login_required
@require_POST
def civility_record(request):
    require(request.user, "record_points")
    form = CivilityForm(request.POST, request.FILES)
    if not form.is_valid():
        return refused(request, errors_text(form))
    d = form.cleaned_data
    household = Household.objects.filter(external_id=d["household"]).first()
    if household is None:
        return refused(request, services.ERR_OUTSIDE % {"what": d["household"]})
    try:
        services.civility_record(
            user=request.user,
            household=household,
            category=d["category"],
            points=d["points"],
            on=d["on"],
            note=d["note"],
            photo=d.get("photo"),
        )
    except services.PointsError as exc:
        return refused(request, str(exc))
    return redirect("civility-ledger", external_id=household.external_id)


def _decide(request, model, pk, service):
    scope = scope_for(request.user)
    entry = get_object_or_404(model.objects.for_scope(scope), pk=pk)
    require(request.user, "approve_points")
    form = DecideForm(request.POST)
    if not form.is_valid():
        return refused(request, errors_text(form))
    try:
        service(user=request.user, entry=entry, approve=form.cleaned_data["decision"] == "approve")
    except services.PointsError as exc:
        return refused(request, str(exc))
    return redirect("points")


@login_required
@require_POST
def civility_decide(request, pk):
    return _decide(request, CivilityEntry, pk, services.civility_decide)


@login_required
@require_POST
def party_decide(request, pk):
    return _decide(request, PartyEntry, pk, services.party_decide)


def _household(request, external_id):
    return get_object_or_404(
        Household.objects.for_scope(scope_for(request.user)), external_id=external_id
    )


@login_required
@require_GET
def civility_ledger(request, external_id):
    household = _household(request, external_id)
    scope = require(request.user, "view_points")
    return render(
        request,
        "layers/points/ledger.html",
        {
            "household": household,
            "entries": selectors.ledger(scope, household),
            "balance": services.balance(household.pk),
            "can_redeem": scope.can("approve_points"),
            "redeem_form": RedeemForm(initial={"on": timezone.localdate().isoformat()}),
        },
    )


@login_required
@require_POST
def civility_redeem(request, external_id):
    household = _household(request, external_id)
    require(request.user, "approve_points")
    form = RedeemForm(request.POST)
    if not form.is_valid():
        return refused(request, errors_text(form))
    try:
        services.civility_redeem(user=request.user, household=household, **form.cleaned_data)
    except services.PointsError as exc:
        return refused(request, str(exc))
    return redirect("civility-ledger", external_id=household.external_id)


@login_required
@require_GET
def civility_photo(request, pk):
    entry = CivilityEntry.objects.for_scope(scope_for(request.user)).filter(pk=pk).first()
    if entry is None or not entry.photo:
        raise Http404
    require(request.user, "view_points")
    access_log_write(request, [entry.household_id], action="photo")
    return FileResponse(entry.photo.open("rb"))


@login_required
@require_POST
def party_record(request):
    require(request.user, "record_points")
    form = PartyForm(request.POST)
    if not form.is_valid():
        return refused(request, errors_text(form))
    d = form.cleaned_data
    person = Person.objects.filter(pk=d["person"]).select_related("household").first()
    if person is None:
        return refused(request, services.ERR_OUTSIDE % {"what": d["person"]})
    try:
        services.party_record(
            user=request.user,
            person=person,
            category=d["category"],
            points=d["points"],
            on=d["on"],
            note=d["note"],
        )
    except services.PointsError as exc:
        return refused(request, str(exc))
    return redirect("points")


def _village(request, code):
    return get_object_or_404(Village.objects.for_scope(scope_for(request.user)), code=code)


@login_required
@require_GET
def civility_boards(request, code):
    village = _village(request, code)
    scope = require(request.user, "view_points")
    text = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    try:
        month = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return refused(request, ERR_MONTH)
    board = selectors.boards(scope, village, month.year, month.month)
    template = "print" if request.GET.get("print") else "boards"
    return render(
        request,
        f"layers/points/{template}.html",
        {
            "village": village,
            "board": board,
            "month": month,
            "can_set": scope.can("approve_points"),
            "settings_form": BoardSettingForm(
                initial={"mask_black": board["setting"].mask_black, "size": board["setting"].size}
            ),
        },
    )


@login_required
@require_POST
def civility_board_settings(request, code):
    village = _village(request, code)
    require(request.user, "approve_points")
    form = BoardSettingForm(request.POST)
    if not form.is_valid():
        return refused(request, errors_text(form))
    services.board_set(village=village, **form.cleaned_data)
    return redirect("civility-boards", code=village.code)


@login_required
@require_GET
def party_ranking(request, code):
    village = _village(request, code)
    scope = require(request.user, "view_points")
    text = request.GET.get("year") or str(timezone.localdate().year)
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        return refused(request, ERR_YEAR)
    year = int(text)
    return render(
        request,
        "layers/points/party.html",
        {
            "village": village,
            "year": year,
            "ranking": selectors.party_ranking(scope, village, year),
            "totals": selectors.party_totals(scope, year, village=village),
        },
    )
