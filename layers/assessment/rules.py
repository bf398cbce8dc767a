"""A rule set checked before it is saved, and applied to a person's indicators.

Each indicator becomes a 0-1 figure (``normalise``); the computed score is
100 × Σ weightᵢ·figureᵢ / declared total. Tiers are half-open ranges [min, max) of the
final score (the top tier includes its max), covering 0-100 without gaps or overlaps.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .models import INDICATORS, TIERS

SCALE = 100  # scores run from 0 to 100
# Defaults of the county plan: a household visited once a quarter (4 a year); a member
# reports what they find, some 6 cases a year in a village of ~40 households.
DEFAULT_TARGETS = {"visits_per_household": 4.0, "reported": 6.0}

ERR_WEIGHTS_SUM = _("The weights add up to %(sum)s, not the declared total %(total)s.")
ERR_WEIGHT_UNKNOWN = _("Unknown indicator %(key)r in the weights.")
ERR_WEIGHT_VALUE = _("The weight of %(key)s must be a number from 0 to 100.")
ERR_TIERS_SET = _("Give each of the four tiers exactly once.")
ERR_TIER_RANGE = _("Tier %(tier)s: the lower threshold must be below the upper one.")
ERR_TIERS_OVERLAP = _("Tiers %(a)s and %(b)s overlap (%(at)s).")
ERR_TIERS_GAP = _("No tier covers scores from %(lo)s to %(hi)s.")
ERR_TIER_SUBSIDY = _("Tier %(tier)s: the subsidy must be a non-negative amount.")
ERR_TARGET = _("The target %(key)s must be a positive number.")


class RuleError(ValueError):
    """A rule set that cannot be saved; nothing was written."""


def _number(value, error, **kw) -> float:
    try:
        n = float(value)
    except (TypeError, ValueError):
        raise RuleError(error % kw) from None
    if n != n or n in (float("inf"), float("-inf")):
        raise RuleError(error % kw)
    return n


def validate(*, weights: dict, weight_total: int, tiers: list[dict], targets: dict) -> dict:
    """The cleaned rule, or RuleError naming what is wrong."""
    clean_w = {}
    for key, value in weights.items():
        if key not in INDICATORS:
            raise RuleError(ERR_WEIGHT_UNKNOWN % {"key": key})
        w = _number(value, ERR_WEIGHT_VALUE, key=key)
        if not 0 <= w <= SCALE:
            raise RuleError(ERR_WEIGHT_VALUE % {"key": key})
        clean_w[key] = w
    total = round(sum(clean_w.values()), 6)
    if total != weight_total:
        raise RuleError(ERR_WEIGHTS_SUM % {"sum": f"{total:g}", "total": weight_total})
    if sorted(t.get("tier") for t in tiers) != sorted(TIERS):
        raise RuleError(ERR_TIERS_SET)
    clean_t = []
    for t in tiers:
        lo = _number(t.get("min"), ERR_TIER_RANGE, tier=t["tier"])
        hi = _number(t.get("max"), ERR_TIER_RANGE, tier=t["tier"])
        if not lo < hi:
            raise RuleError(ERR_TIER_RANGE % {"tier": t["tier"]})
        try:
            subsidy = Decimal(str(t.get("subsidy")))
        except InvalidOperation:
            raise RuleError(ERR_TIER_SUBSIDY % {"tier": t["tier"]}) from None
        if not subsidy.is_finite() or subsidy < 0:
            raise RuleError(ERR_TIER_SUBSIDY % {"tier": t["tier"]})
        clean_t.append({"tier": t["tier"], "min": lo, "max": hi, "subsidy": str(subsidy)})
    clean_t.sort(key=lambda t: t["min"])
    for a, b in zip(clean_t, clean_t[1:], strict=False):
        if b["min"] < a["max"]:
            raise RuleError(
                ERR_TIERS_OVERLAP % {"a": a["tier"], "b": b["tier"], "at": f"{b['min']:g}"}
            )
    edges = [(0.0, clean_t[0]["min"])] + [
        (a["max"], b["min"]) for a, b in zip(clean_t, clean_t[1:], strict=False)
    ]
    edges.append((clean_t[-1]["max"], float(SCALE)))
    for lo, hi in edges:
        if lo < hi:
            raise RuleError(ERR_TIERS_GAP % {"lo": f"{lo:g}", "hi": f"{hi:g}"})
    clean_targets = dict(DEFAULT_TARGETS)
    for key, value in targets.items():
        n = _number(value, ERR_TARGET, key=key)
        if key not in DEFAULT_TARGETS or n <= 0:
            raise RuleError(ERR_TARGET % {"key": key})
        clean_targets[key] = n
    return {"weights": clean_w, "tiers": clean_t, "targets": clean_targets}


def normalise(ind: dict, *, fraction: float, period_days: int, targets: dict) -> dict:
    """Each indicator as a 0-1 figure. ``fraction``: the period's share of a year (targets
    are yearly). No closed, handled or rated case: nothing to fault (1)."""

    def ratio(n, d):
        return 1.0 if not d else max(0.0, min(1.0, n / d))

    vph_target = targets["visits_per_household"] * fraction
    return {
        "coverage": ratio(ind["visited"], ind["households"]) if ind["households"] else 0.0,
        "visits_per_household": ratio(ind["visits_per_household"], vph_target),
        "reported": ratio(ind["reported"], targets["reported"] * fraction),
        "on_time_rate": ratio(ind["closed_on_time"], ind["closed"]),
        "sent_back": 1.0 - ratio(ind["sent_back"], ind["handled"]) if ind["handled"] else 1.0,
        "rating": 1.0 if ind["rating"] is None else (ind["rating"] - 1) / 4,
        "days_in_post": ratio(ind["days_in_post"], period_days),
    }


def weighted(figures: dict, rule) -> float:
    total = sum(w * figures[k] for k, w in rule.weights.items())
    return round(SCALE * total / rule.weight_total, 2)


def tier_of(score: float, rule) -> tuple[str, Decimal]:
    """The tier whose range holds the score (scores outside 0-100 take the nearest)."""
    s = max(0.0, min(float(SCALE), score))
    tiers = sorted(rule.tiers, key=lambda t: t["min"])
    for t in tiers:
        if t["min"] <= s < t["max"]:
            return t["tier"], Decimal(t["subsidy"])
    top = tiers[-1]
    return top["tier"], Decimal(top["subsidy"])
