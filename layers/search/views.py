"""GET /api/search.json?q=…: the map pages' search box (gis/static/gis/search.js)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, JsonResponse
from django.views.decorators.http import require_GET

from households.access import scope_for

from . import selectors
from .serializers import ResultSerializer, SearchInput


@login_required
@require_GET
def search(request):
    form = SearchInput(data={"q": request.GET.get("q", "")})
    if not form.is_valid():
        message = str(form.errors["q"][0])
        return HttpResponseBadRequest(message if message.startswith("q:") else f"q: {message}")
    results = selectors.search(scope_for(request.user), form.validated_data["q"])
    data = ResultSerializer(results, many=True).data
    response = JsonResponse({"q": form.validated_data["q"], "results": data})
    response["Cache-Control"] = "private, no-store"
    return response
