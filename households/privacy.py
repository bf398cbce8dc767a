"""PIPL minimum necessary: ID numbers and phones masked on the server, access logged."""

import re
from urllib.parse import parse_qsl

from households.models import AccessLog

LOGGED_PATH_MAX = 300  # = AccessLog.path's max_length
# what may be a phone (7 or more digits, a landline without its area code, spaces or dashes
# allowed between them) or an ID number (15 or 18 characters, the last one possibly X); not
# the digits of a code glued to a letter (H0001234) or of a decimal (115.9012345)
_NUMBER = re.compile(r"(?<![\w.])\d(?:[\s-]?\d){6,}[Xx]?")
_SEPARATORS = re.compile(r"[\s-]")

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


def mask_numbers(text: str) -> str:
    """Every number in `text` that may be a phone or an ID number, masked as they are shown."""

    def mask(match: re.Match) -> str:
        value = _SEPARATORS.sub("", match[0])
        return mask_id_number(value) if len(value) >= 15 else mask_phone(value)

    return _NUMBER.sub(mask, text)


def logged_path(path: str, query: str) -> str:
    """The page and its query string as the access log keeps them: a search by ID number or
    phone is logged masked (``?q=138****1234``), decoded so that it reads as typed."""
    if not query:
        return path[:LOGGED_PATH_MAX]
    pairs = parse_qsl(query, keep_blank_values=True)
    masked = "&".join(f"{key}={mask_numbers(value)}" for key, value in pairs)
    return f"{path}?{masked}"[:LOGGED_PATH_MAX]


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def access_log_write(request, household_ids, *, action: str = "view", always=False) -> None:
    """Record a view or export of unmasked personal data (``always``: even when it belongs
    to no household, as a resident's phone on the incident they reported)."""
    ids = sorted({int(h) for h in household_ids})
    if not ids and not always:
        return
    AccessLog.objects.create(
        user=request.user if request.user.is_authenticated else None,
        action=action,
        path=logged_path(request.path, request.META.get("QUERY_STRING", "")),
        ip=client_ip(request),
        household_ids=ids,
    )


def access_log_export(request, count: int, filters: dict[str, str]) -> None:
    """Record an export by what it selected (the page and its filter: validated area codes,
    kept as they are) and how many households: not by listing every id (a county export is
    200,000 of them)."""
    query = "&".join(f"{key}={value}" for key, value in filters.items() if value)
    AccessLog.objects.create(
        user=request.user if request.user.is_authenticated else None,
        action=AccessLog.Action.EXPORT,
        path=f"{request.path}?{query}"[:LOGGED_PATH_MAX] if query else request.path,
        ip=client_ip(request),
        household_ids=[],
        count=count,
    )
