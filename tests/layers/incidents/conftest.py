"""Incidents on the field world (tests/layers/factories.py): the demo township partitioned,
one user per role, another township. Photos go to a temporary media folder."""

import io

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grids.models import GridAssignment
from layers.incidents.services import NewIncident, categories_ensure, incident_report
from layers.models import Incident


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def cats(field):
    categories_ensure()


def member_point(field, *, own=True) -> Point:
    """The location of a household of the world's grid, in the member's area (own=True) or
    in another member area of the grid."""
    number = field.users["grid_member"].area.member_number
    qs = GridAssignment.objects.filter(grid=field.grid).select_related("household")
    qs = qs.filter(member_area__number=number) if own else qs.exclude(member_area__number=number)
    return qs.order_by("household__external_id").first().household.location


def jpeg(size=(64, 48), exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    Image.new("RGB", size, "blue").save(buf, "JPEG", **kwargs)
    return buf.getvalue()


def photo(name="p.jpg", data=None):
    return SimpleUploadedFile(name, data if data is not None else jpeg(), "image/jpeg")


def report(point: Point, category="sanitation", **kw) -> Incident:
    channel = kw.pop("channel", Incident.Channel.PUBLIC)
    reporter = kw.pop("reporter", None)
    address = kw.pop("address", "10.0.0.1")
    new = NewIncident(
        category=category,
        description=kw.pop("description", "排水沟堵塞，雨天积水"),
        lon=point.x,
        lat=point.y,
        contact_phone=kw.pop("contact_phone", "13912345678"),
        **kw,
    )
    return incident_report(new, channel=channel, reporter=reporter, address=address)
