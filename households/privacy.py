"""PIPL minimum necessary: ID numbers and phones masked on the server, access logged."""

from households.models import AccessLog

SENSITIVE_TAGS = ("dibao", "poverty_monitoring", "disabled", "left_behind_children")


def mask_id_number(value: str) -> str:
    """360102199001011234 -> 360102********1234 (region and last four kept)."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13812341234 -> 138****1234."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def access_log_write(request, household_ids, *, action: str = "view") -> None:
    """Record a view or export of unmasked personal data."""
    ids = sorted({int(h) for h in household_ids})
    if not ids:
        return
    AccessLog.objects.create(
        user=request.user if request.user.is_authenticated else None,
        action=action,
        path=request.get_full_path()[:300],
        ip=client_ip(request),
        household_ids=ids,
    )
