"""The REST API at /api/v1/: the collections (read-only, GeoJSON), a grid's households for its
people, and who the caller is. Thin DRF views over ``layers.collections`` and the field
pages' selectors; every answer starts from the caller's scope (session or API token)."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from grids.access import require_grid
from households.access import scope_for
from households.privacy import access_log_write
from layers import selectors as field_selectors
from layers.collections import COLLECTIONS, Output, query_parse
from layers.collections import feature as collection_feature
from layers.collections import page as collection_page
from layers.collections.query import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, params_check
from layers.ogc.renderers import GeoJSONRenderer
from layers.serializers import FieldHouseholdFeature

from .authentication import ApiTokenAuthentication
from .schema import feature_collection

AUTHENTICATION = [ApiTokenAuthentication, *APIView.authentication_classes]


class ApiView(APIView):
    authentication_classes = AUTHENTICATION


def _list_parameters(collection) -> list[OpenApiParameter]:
    params = [
        OpenApiParameter("bbox", str, description="min lon,min lat,max lon,max lat (WGS 84)"),
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        OpenApiParameter("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}),
    ]
    params += [
        OpenApiParameter(name, {"type": "string", "pattern": f"^{f.pattern}$"}, description=f.what)
        for name, f in collection.filters.items()
    ]
    if collection.temporal:
        params.append(
            OpenApiParameter("datetime", str, description="RFC 3339 instant or interval a/b")
        )
    return params


def collection_views(collection):
    """The list and detail views of one collection (their own classes, so that the schema
    documents each with its serializer)."""

    class CollectionList(ApiView):
        renderer_classes = [GeoJSONRenderer]
        serializer_class = collection.serializer

        @extend_schema(
            operation_id=f"{collection.id}_list",
            tags=[collection.id],
            description=str(collection.description),
            parameters=_list_parameters(collection),
            responses=feature_collection(
                collection.serializer, f"{_name(collection)}Collection", paged=True
            ),
        )
        def get(self, request):
            query = query_parse(
                request.query_params,
                filters=collection.filters,
                temporal=collection.temporal is not None,
                crs=False,
            )
            scope = scope_for(request.user)
            page = collection_page(collection, scope, query, Output())
            data = collection.serializer_for(scope)(page.rows, many=True).data
            data["count"] = page.matched
            data["next"] = _offset_link(request, query, query.offset + query.limit, page.matched)
            data["previous"] = (
                _offset_link(request, query, max(0, query.offset - query.limit), page.matched)
                if query.offset
                else None
            )
            if page.unmasked:
                access_log_write(request, page.unmasked)
            return Response(data)

    class CollectionDetail(ApiView):
        renderer_classes = [GeoJSONRenderer]
        serializer_class = collection.serializer

        @extend_schema(
            operation_id=f"{collection.id}_retrieve",
            tags=[collection.id],
            responses=collection.serializer,
        )
        def get(self, request, fid):
            params_check(request.query_params, ())
            scope = scope_for(request.user)
            page = collection_feature(collection, scope, fid, Output())
            if page is None:
                raise Http404
            if page.unmasked:
                access_log_write(request, page.unmasked)
            return Response(collection.serializer_for(scope)(page.rows[0]).data)

    name = _name(collection)
    CollectionList.__name__ = CollectionList.__qualname__ = f"{name}List"
    CollectionDetail.__name__ = CollectionDetail.__qualname__ = f"{name}Detail"
    return CollectionList, CollectionDetail


def _name(collection) -> str:
    return collection.id.title().replace("-", "")


def _offset_link(request, query, offset: int, matched: int) -> str | None:
    if offset >= matched:
        return None
    params = request.query_params.copy()
    params["offset"], params["limit"] = str(offset), str(query.limit)
    return request.build_absolute_uri(request.path + "?" + params.urlencode())


class GridHouseholds(ApiView):
    """The households of a current grid as the caller may see them: a grid's leader sees ID
    numbers and phones (and the view is logged), a member their own member area, others
    masked numbers."""

    renderer_classes = [GeoJSONRenderer]
    serializer_class = FieldHouseholdFeature

    @extend_schema(
        operation_id="grid_households",
        tags=["grids"],
        parameters=[
            OpenApiParameter("member", {"type": "integer", "minimum": 1}),
            OpenApiParameter("q", {"type": "string", "maxLength": 50}),
        ],
        responses=feature_collection(FieldHouseholdFeature, "GridHouseholdsCollection"),
    )
    def get(self, request, code):
        params_check(request.query_params, ("member", "q"))
        grid = field_selectors.grid_current(code)
        require_grid(request.user, "view_grid", grid)
        try:
            assignments = field_selectors.grid_assignments(
                request.user,
                grid,
                member=request.query_params.get("member"),
                q=request.query_params.get("q", ""),
            )
        except field_selectors.ParameterError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        rows, unmasked = field_selectors.household_rows(request.user, grid, assignments)
        if unmasked:
            access_log_write(request, [r.pk for r in rows])
        return Response(FieldHouseholdFeature(rows, many=True).data)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    township = serializers.CharField()
    village = serializers.CharField()
    grid = serializers.CharField()
    member_area = serializers.IntegerField(allow_null=True)
    collections = serializers.ListField(child=serializers.URLField())


class Me(ApiView):
    """Who the caller is (the token's user) and the area their answers cover."""

    serializer_class = MeSerializer

    @extend_schema(operation_id="me", tags=["me"], responses=MeSerializer)
    def get(self, request):
        params_check(request.query_params, ())
        scope = scope_for(request.user)
        return Response(
            {
                "username": request.user.get_username(),
                "role": scope.role,
                "township": scope.township_code,
                "village": scope.village_code,
                "grid": scope.grid_code,
                "member_area": scope.member_number,
                "collections": [
                    request.build_absolute_uri(reverse(f"api-{cid}-list")) for cid in COLLECTIONS
                ],
            }
        )
