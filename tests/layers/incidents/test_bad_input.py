"""Bad input on the public report page and on the workflow: each gets a clear message naming
the field, nothing is stored, and the workflow is unchanged."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from layers.incidents import services as S
from layers.incidents import transitions as T
from layers.incidents import workflow as wf
from layers.models import Incident, IncidentEvent, IncidentNotification, IncidentPhoto
from layers.services import POINT_OUTSIDE_COUNTY
from layers.validators import PHOTO_NOT_IMAGE, PHOTO_TOO_LARGE, PHOTO_TOO_MANY_PIXELS
from tests.layers.incidents.conftest import jpeg, member_point, report

pytestmark = pytest.mark.django_db


def stored() -> tuple:
    return tuple(
        m.objects.count() for m in (Incident, IncidentEvent, IncidentPhoto, IncidentNotification)
    )


def png_bomb(width=30_000, height=30_000) -> bytes:
    """A valid PNG header declaring 900 megapixels over a few hundred bytes of data."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def post(client, field, **overrides):
    point = member_point(field)
    data = {
        "category": "sanitation",
        "description": "排水沟堵塞",
        "lon": f"{point.x:.7f}",
        "lat": f"{point.y:.7f}",
        "crs": "EPSG:4326",
        "located_by": "map",
        "contact_phone": "13912345678",
    }
    data.update(overrides)
    return client.post("/report/", {k: v for k, v in data.items() if v is not None})


def big_jpeg() -> bytes:
    """Over 5 MB: noise does not compress."""
    import numpy as np

    noise = np.random.default_rng(1).integers(0, 255, (1500, 1500, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize(
    "overrides,field_name,message",
    [
        ({"lon": None, "lat": None}, None, S.ERR_NO_LOCATION),
        ({"lon": "121.47", "lat": "31.23"}, None, POINT_OUTSIDE_COUNTY),  # Shanghai
        ({"category": "ufo"}, "category", S.ERR_UNKNOWN_CATEGORY),
        ({"description": "   "}, "description", S.ERR_EMPTY_DESCRIPTION),
        ({"description": "长" * 2001}, "description", S.ERR_DESCRIPTION_LONG),
        ({"contact_phone": ""}, "contact_phone", S.ERR_PHONE),
        ({"contact_phone": "call me"}, "contact_phone", S.ERR_PHONE),
        ({"crs": "EPSG:3857"}, "crs", None),  # not one of the form's choices
        ({"photos": ("notes.txt", b"hello", "text/plain")}, "photos", PHOTO_NOT_IMAGE),
        ({"photos": ("fake.jpg", b"GIF89a not really", "image/jpeg")}, "photos", PHOTO_NOT_IMAGE),
        ({"photos": ("bomb.png", png_bomb(), "image/png")}, "photos", PHOTO_TOO_MANY_PIXELS),
        ({"photos": ("big.png", big_jpeg(), "image/png")}, "photos", PHOTO_TOO_LARGE),
        ({"photos": [("p.jpg", jpeg(), "image/jpeg")] * 4}, "photos", S.ERR_TOO_MANY_PHOTOS),
    ],
    ids=[
        "no-location",
        "outside-county",
        "unknown-category",
        "empty-description",
        "long-description",
        "no-phone",
        "bad-phone",
        "unknown-crs",
        "text-file",
        "not-really-jpeg",
        "image-bomb",
        "oversized",
        "four-photos",
    ],
)
def test_bad_reports_store_nothing(client, field, cats, overrides, field_name, message):
    photos = overrides.pop("photos", None)
    if photos is not None:
        files = photos if isinstance(photos, list) else [photos]
        overrides["photos"] = [SimpleUploadedFile(*f) for f in files]
    before = stored()
    response = post(client, field, **overrides)
    assert response.status_code == 400
    errors = response.context["form"].errors
    key = field_name or "__all__"
    assert key in errors, errors
    if message is not None:
        assert str(message) in errors[key]
    assert stored() == before


def test_a_flood_of_reports_is_refused(client, field, cats):
    for i in range(S.PHONE_PER_HOUR):
        assert post(client, field, description=f"第{i}次").status_code == 302
    before = stored()
    response = post(client, field, description="again")
    assert response.status_code == 400
    assert str(S.ERR_FLOOD_PHONE) in response.context["form"].errors["contact_phone"]
    assert stored() == before


@pytest.mark.parametrize(
    "role,action,reason",
    [
        ("grid_member", "close", wf.WRONG_ROLE),  # a member closing at the county tier
        ("village", "close", wf.WRONG_TIER),
        ("grid_leader", "approve_extension", wf.WRONG_ROLE),
        ("township", "rate", wf.WRONG_ROLE),  # staff rating for the resident
    ],
)
def test_forged_steps_are_403_and_change_nothing(client, field, cats, role, action, reason):
    incident = report(member_point(field))
    Incident.objects.filter(pk=incident.pk).update(tier=wf.COUNTY, state=wf.VERIFIED)
    before = stored(), list(Incident.objects.filter(pk=incident.pk).values())
    client.force_login(field.users[role])
    response = client.post(f"/incidents/{incident.pk}/act/", {"action": action})
    assert response.status_code == 403
    assert str(T.REFUSED[reason]) in response.context["form"].non_field_errors()
    assert (stored(), list(Incident.objects.filter(pk=incident.pk).values())) == before


def test_a_resident_reopening_twice_is_refused(client, field, cats):
    incident = report(member_point(field))
    Incident.objects.filter(pk=incident.pk).update(state=wf.CLOSED, reopened=1)
    before = stored()
    response = client.post(f"/report/{incident.tracking_code}/", {"action": "reopen", "note": "x"})
    assert response.status_code == 400
    assert str(T.REFUSED[wf.ALREADY_REOPENED]) in response.context["form"].non_field_errors()
    assert stored() == before
    response = client.post(f"/report/{incident.tracking_code}/", {"action": "rate", "rating": "7"})
    assert response.status_code == 400 and stored() == before
    assert client.get("/report/NOSUCHCODE99/").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["days=abc", "days=0", "days=99999", "township=36", "grid=x", "open=yes", "bbox=1,2,3"],
)
def test_bad_map_parameters_are_400_naming_them(client, field, cats, query):
    client.force_login(field.users["township"])
    for url in ("/api/incidents.geojson", "/api/incidents/heat.geojson"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400
        assert query.split("=")[0] in response.content.decode()
