"""The demo's assessment and points: a county rule set, every township's year computed and
published (its last quarter left as a draft to review), civility ledgers (the imported
文明积分 as opening entries, a few months of entries in 坑口村, some awaiting approval, some
redemptions) and party-member points. Fixed seed; a second load changes nothing."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.models import User
from django.db import transaction

from households.models import Household, Person, Township

from ..assessment import services as assessment
from ..assessment.models import RuleSet, Run
from ..points.models import Category, CivilityEntry, PartyEntry
from ..points.services import categories_ensure, civility_openings_ensure
from .users import DEMO_VILLAGE

SEED = 18
WEIGHTS = {
    "coverage": 30,
    "visits_per_household": 20,
    "reported": 10,
    "on_time_rate": 15,
    "sent_back": 5,
    "rating": 10,
    "days_in_post": 10,
}
TIERS = [  # the county plan's four tiers; yearly subsidies in yuan
    {"tier": "excellent", "min": 85, "max": 100, "subsidy": "3600"},
    {"tier": "pass", "min": 70, "max": 85, "subsidy": "3000"},
    {"tier": "basic", "min": 55, "max": 70, "subsidy": "2400"},
    {"tier": "fail", "min": 0, "max": 55, "subsidy": "1200"},
]


def demo_year(anchor: dt.date) -> int:
    """The calendar year with most of the demo's history (the year before a spring anchor)."""
    return anchor.year if anchor.month >= 7 else anchor.year - 1


def assessment_load(anchor: dt.date) -> dict:
    year = demo_year(anchor)
    start = dt.date(year, 1, 1)
    if not RuleSet.objects.exists():
        assessment.rule_set_create(
            by=None,
            name=f"{year} 年度网格员考核细则",
            valid_from=start,
            weight_total=100,
            weights=WEIGHTS,
            tiers=TIERS,
            targets={},
        )
    done = 0
    for township in Township.objects.order_by("code"):
        if not Run.objects.filter(township=township, kind="year", starts_on=start).exists():
            run = assessment.run_prepare(
                township=township, kind="year", starts_on=start, today=anchor
            )
            assessment.run_publish(run=assessment.run_compute(run), by=None)
            done += 1
        # the quarter the history ends in (or the year's last): a draft to review
        last_q = dt.date(year, (anchor.month - 1) // 3 * 3 + 1 if anchor.year == year else 10, 1)
        if not Run.objects.filter(township=township, kind="quarter", starts_on=last_q).exists():
            assessment.run_compute(
                assessment.run_prepare(
                    township=township, kind="quarter", starts_on=last_q, today=anchor
                )
            )
            done += 1
    return {"assessments computed": done}


@transaction.atomic
def points_load(anchor: dt.date) -> dict:
    categories_ensure()
    openings = civility_openings_ensure(anchor)
    if CivilityEntry.objects.exclude(kind="opening").exists():
        return {"opening entries": openings}
    rng = random.Random(SEED)
    cadre = User.objects.filter(username="village").first()
    member = User.objects.filter(username="member").first()
    cats = list(Category.objects.filter(ledger="civility", redemption=False, active=True))
    households = list(
        Household.objects.filter(group__village__code=DEMO_VILLAGE)
        .order_by("external_id")
        .values_list("pk", "civility_points")
    )
    entries = []
    for _ in range(min(240, 3 * len(households))):
        pk, opening = rng.choice(households)
        cat = rng.choice(cats)
        if cat.default_points < 0 and opening < 20:
            continue
        on = anchor - dt.timedelta(days=rng.randrange(0, 90))
        pending = rng.random() < 0.1
        entries.append(
            CivilityEntry(
                household_id=pk,
                category=cat,
                points=cat.default_points,
                on=on,
                status="pending" if pending else "approved",
                recorded_by=member if pending else cadre,
                recorder_role="grid_member" if pending else "village",
                approved_by=None if pending else cadre,
                note="网格员入户记录" if pending else "村评议会",
            )
        )
    shop = Category.objects.get(ledger="civility", redemption=True)
    for pk, opening in households[:: max(1, len(households) // 12)]:
        if opening >= 30:
            entries.append(
                CivilityEntry(
                    household_id=pk,
                    category=shop,
                    kind="redeem",
                    points=-20,
                    on=anchor - dt.timedelta(days=rng.randrange(0, 60)),
                    status="approved",
                    recorded_by=cadre,
                    recorder_role="village",
                    approved_by=cadre,
                    note="积分超市：洗衣粉两袋",
                )
            )
    CivilityEntry.objects.bulk_create(entries)
    party_cats = list(Category.objects.filter(ledger="party"))
    members = list(
        Person.objects.filter(household__group__village__code=DEMO_VILLAGE)
        .exclude(party_member="")
        .values_list("pk", flat=True)
    )
    party = (
        [
            PartyEntry(
                person_id=rng.choice(members),
                category=(c := rng.choice(party_cats)),
                points=c.default_points,
                on=anchor - dt.timedelta(days=rng.randrange(0, 330)),
                status="approved",
                recorded_by=cadre,
                recorder_role="village",
                approved_by=cadre,
            )
            for _ in range(min(300, 6 * len(members)))
        ]
        if members
        else []
    )
    PartyEntry.objects.bulk_create(party)
    return {
        "opening entries": openings,
        "civility entries": len(entries),
        "party entries": len(party),
    }
