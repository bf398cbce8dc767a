"""OGC API - Features at /ogc/: landing page, conformance, collections, items, one item.

Thin DRF views over ``layers.collections``: every answer starts from the user's scope (the
session's user, or the user of a personal API token), households are masked as the role
requires and an unmasked page is logged. JSON (GeoJSON for features) or HTML, by ``?f=`` or
the Accept header.
"""

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from households.access import scope_for
from households.privacy import access_log_write
from households.serializers import GEOJSON
from layers.api.authentication import ApiTokenAuthentication
from layers.collections import COLLECTIONS, CRS84, CRSS, Output, query_parse
from layers.collections import extent as collection_extent
from layers.collections import feature as collection_feature
from layers.collections import page as collection_page
from layers.collections.query import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    crs_parse,
    params_check,
)

from .renderers import FormatParameter, GeoJSONRenderer, HTMLRenderer

SPEC = "http://www.opengis.net/spec/ogcapi-features-{part}/1.0/conf/{name}"
CONFORMANCE = [
    SPEC.format(part=1, name="core"),
    SPEC.format(part=1, name="geojson"),
    SPEC.format(part=1, name="html"),
    SPEC.format(part=2, name="crs"),
]
JSON, HTML = "application/json", "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
TAG = "OGC API - Features"
CODES = {400: "InvalidParameterValue", 401: "NotAuthenticated", 403: "Forbidden", 404: "NotFound"}


def ogc_errors(exc, context):
    """DRF's answer to an exception, as an OGC API exception: {code, description}."""
    response = exception_handler(exc, context)
    if response is not None and not (isinstance(response.data, dict) and "code" in response.data):
        detail = (
            response.data.get("detail", response.data)
            if isinstance(response.data, dict)
            else response.data
        )
        response.data = {
            "code": CODES.get(response.status_code, "Error"),
            "description": str(detail),
        }
    return response


class OgcView(APIView):
    authentication_classes = [ApiTokenAuthentication, *APIView.authentication_classes]
    renderer_classes = [JSONRenderer, HTMLRenderer]
    content_negotiation_class = FormatParameter
    template_name = ""

    def get_exception_handler(self):
        return ogc_errors

    def url(self, name: str, *args, **query) -> str:
        path = reverse(name, args=args)
        if query:
            path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return self.request.build_absolute_uri(path)

    def links(self, name: str, *args, title: str = "", kind: str = JSON) -> list[dict]:
        """self and alternate links of a resource in JSON (or GeoJSON) and HTML."""
        html = self.request.accepted_renderer.format == "html"
        return [
            {
                "href": self.url(name, *args, f="html" if html else "json"),
                "rel": "self",
                "type": HTML if html else kind,
                "title": str(title),
            },
            {
                "href": self.url(name, *args, f="json" if html else "html"),
                "rel": "alternate",
                "type": kind if html else HTML,
                "title": str(title),
            },
        ]

    def collection(self, cid: str):
        found = COLLECTIONS.get(cid)
        if found is None:
            raise Http404
        return found


def _no_params(request) -> None:
    params_check(request.query_params, ("f",))


@extend_schema_view(
    get=extend_schema(operation_id="ogc_landing", tags=[TAG], responses=OpenApiTypes.OBJECT)
)
class Landing(OgcView):
    template_name = "ogc/landing.html"

    def get(self, request):
        _no_params(request)
        return Response(
            {
                "title": str(_("Grid management: OGC API - Features")),
                "description": str(
                    _(
                        "Townships, villages, village groups, grids, member areas and households of the county, as your role may see them."
                    )
                ),
                "links": self.links("ogc-landing", title=_("This page"))
                + [
                    {"href": self.url("ogc-conformance"), "rel": "conformance", "type": JSON},
                    {"href": self.url("ogc-collections"), "rel": "data", "type": JSON},
                    {
                        "href": self.url("api-schema", format="json"),
                        "rel": "service-desc",
                        "type": OPENAPI,
                    },
                    {"href": self.url("api-docs"), "rel": "service-doc", "type": HTML},
                ],
            }
        )


@extend_schema_view(
    get=extend_schema(operation_id="ogc_conformance", tags=[TAG], responses=OpenApiTypes.OBJECT)
)
class Conformance(OgcView):
    template_name = "ogc/conformance.html"

    def get(self, request):
        _no_params(request)
        return Response({"conformsTo": CONFORMANCE})


def _described(view: OgcView, collection, scope) -> dict:
    cid = collection.id
    return {
        "id": cid,
        "title": str(collection.title),
        "description": str(collection.description),
        "itemType": "feature",
        "extent": collection_extent(collection, scope),
        "crs": list(CRSS),
        "storageCrs": CRS84.uri,
        "links": view.links("ogc-collection", cid, title=collection.title)
        + [
            {
                "href": view.url("ogc-items", cid, f="json"),
                "rel": "items",
                "type": GEOJSON,
                "title": str(collection.title),
            },
            {
                "href": view.url("ogc-items", cid, f="html"),
                "rel": "items",
                "type": HTML,
                "title": str(collection.title),
            },
        ],
    }


@extend_schema_view(
    get=extend_schema(operation_id="ogc_collections", tags=[TAG], responses=OpenApiTypes.OBJECT)
)
class Collections(OgcView):
    template_name = "ogc/collections.html"

    def get(self, request):
        _no_params(request)
        scope = scope_for(request.user)
        return Response(
            {
                "links": self.links("ogc-collections", title=_("Collections")),
                "collections": [_described(self, c, scope) for c in COLLECTIONS.values()],
                "crs": list(CRSS),
            }
        )


COLLECTION_ID = OpenApiParameter(
    "collectionId", str, OpenApiParameter.PATH, enum=sorted(COLLECTIONS), description="collection"
)


@extend_schema_view(
    get=extend_schema(
        operation_id="ogc_collection",
        tags=[TAG],
        parameters=[COLLECTION_ID],
        responses=OpenApiTypes.OBJECT,
    )
)
class CollectionDetail(OgcView):
    template_name = "ogc/collection.html"

    def get(self, request, collectionId):
        collection = self.collection(collectionId)
        _no_params(request)
        return Response(_described(self, collection, scope_for(request.user)))


def _items_parameters() -> list[OpenApiParameter]:
    crs = {"type": "string", "enum": list(CRSS)}
    return [
        COLLECTION_ID,
        OpenApiParameter(
            "bbox",
            str,
            description="minx,miny,maxx,maxy in bbox-crs (CRS84: lon,lat; EPSG:4326 and 4490: lat,lon)",
        ),
        OpenApiParameter("bbox-crs", crs),
        OpenApiParameter("crs", crs),
        OpenApiParameter(
            "datetime",
            str,
            description="RFC 3339 instant or interval (a/b, ../b, a/..); dated collections only",
        ),
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        OpenApiParameter(
            "offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}
        ),
        OpenApiParameter("township", {"type": "string", "pattern": r"^\d{9}$"}),
        OpenApiParameter("village", {"type": "string", "pattern": r"^\d{12}$"}),
        OpenApiParameter("f", {"type": "string", "enum": ["json", "html"]}),
    ]


class FeatureView(OgcView):
    renderer_classes = [GeoJSONRenderer, JSONRenderer, HTMLRenderer]

    def answer(self, request, collection, page, data: dict, crs) -> Response:
        if page.unmasked:
            access_log_write(request, page.unmasked)
        response = Response(data)
        response["Content-Crs"] = f"<{crs.uri}>"
        return response


@extend_schema_view(
    get=extend_schema(
        operation_id="ogc_items",
        tags=[TAG],
        parameters=_items_parameters(),
        responses=OpenApiTypes.OBJECT,
    )
)
class Items(FeatureView):
    template_name = "ogc/items.html"

    def get(self, request, collectionId):
        collection = self.collection(collectionId)
        query = query_parse(
            request.query_params,
            filters=collection.filters,
            temporal=collection.temporal is not None,
            extra=("f",),
        )
        scope = scope_for(request.user)
        page = collection_page(collection, scope, query, Output(crs=query.crs))
        serializer = collection.serializer_for(scope)
        data = serializer(page.rows, many=True).data
        data["numberMatched"] = page.matched
        data["numberReturned"] = len(page.rows)
        data["timeStamp"] = timezone.now().isoformat()
        data["links"] = self._links(collection, query, page)
        data["collection"] = {"id": collection.id, "title": str(collection.title)}
        return self.answer(request, collection, page, data, query.crs)

    def _links(self, collection, query, page) -> list[dict]:
        html = self.request.accepted_renderer.format == "html"
        params = self.request.query_params.copy()
        params.pop("f", None)

        def href(fmt: str, offset: int | None = None) -> str:
            p = params.copy()
            p["f"] = fmt
            if offset is not None:
                p["offset"], p["limit"] = str(offset), str(query.limit)
            return self.request.build_absolute_uri(
                reverse("ogc-items", args=[collection.id]) + "?" + p.urlencode()
            )

        here = "html" if html else "json"
        links = [
            {"href": href(here), "rel": "self", "type": HTML if html else GEOJSON},
            {
                "href": href("json" if html else "html"),
                "rel": "alternate",
                "type": GEOJSON if html else HTML,
            },
            {"href": self.url("ogc-collection", collection.id), "rel": "collection", "type": JSON},
        ]
        if query.offset + query.limit < page.matched:
            links.append(
                {
                    "href": href(here, query.offset + query.limit),
                    "rel": "next",
                    "type": HTML if html else GEOJSON,
                }
            )
        if query.offset > 0:
            links.append(
                {
                    "href": href(here, max(0, query.offset - query.limit)),
                    "rel": "prev",
                    "type": HTML if html else GEOJSON,
                }
            )
        return links


@extend_schema_view(
    get=extend_schema(
        operation_id="ogc_item",
        tags=[TAG],
        parameters=[
            COLLECTION_ID,
            OpenApiParameter("featureId", str, OpenApiParameter.PATH),
            OpenApiParameter("crs", {"type": "string", "enum": list(CRSS)}),
            OpenApiParameter("f", {"type": "string", "enum": ["json", "html"]}),
        ],
        responses=OpenApiTypes.OBJECT,
    )
)
class Item(FeatureView):
    template_name = "ogc/item.html"

    def get(self, request, collectionId, featureId):
        collection = self.collection(collectionId)
        params_check(request.query_params, ("crs", "f"))
        crs = crs_parse(request.query_params.get("crs"))
        scope = scope_for(request.user)
        page = collection_feature(collection, scope, featureId, Output(crs=crs))
        if page is None:
            raise Http404
        data = collection.serializer_for(scope)(page.rows[0]).data
        data["links"] = self.links("ogc-item", collection.id, featureId, kind=GEOJSON) + [
            {"href": self.url("ogc-collection", collection.id), "rel": "collection", "type": JSON}
        ]
        data["collection"] = {"id": collection.id, "title": str(collection.title)}
        return self.answer(request, collection, page, data, crs)
