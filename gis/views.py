"""The site's icon at /favicon.ico, where browsers and bookmark tools look for it."""

from functools import lru_cache
from pathlib import Path

from django.http import HttpResponse
from django.views.decorators.http import require_GET

ICON = Path(__file__).resolve().parent / "static" / "gis" / "favicon.ico"
CACHE_SECONDS = 7 * 24 * 3600


@lru_cache(maxsize=1)
def _icon() -> bytes:
    return ICON.read_bytes()


@require_GET
def favicon(request):
    response = HttpResponse(_icon(), content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
