"""Forms of the overlay pages: a camera, a service point, an uploaded layer, the best-sites
question. Each refused value is named by its field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from households.scoping import COUNTY, TOWNSHIP, VILLAGE

from .importing import CRS_CHOICES, KINDS
from .models import CAMERA_MAX_RANGE_M, OverlayLayer, ServicePoint
from .sectors import check_angles
from .services import CameraInput, ServicePointInput

MAX_SITES = 50  # new camera sites asked for at once: a township's year of budget


class _PointForm(forms.Form):
    external_ref = forms.CharField(label=_("Number"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)


class CameraForm(_PointForm):
    direction = forms.FloatField(label=_("Direction (degrees from north)"))
    fov = forms.FloatField(label=_("Field of view (degrees)"))
    range_m = forms.FloatField(label=_("Range (metres)"))

    def clean(self):
        data = super().clean()
        if all(k in data for k in ("direction", "fov", "range_m")):
            problems = check_angles(
                direction=data["direction"],
                fov=data["fov"],
                range_m=data["range_m"],
                max_range_m=CAMERA_MAX_RANGE_M,
            )
            for name, message in problems.items():
                self.add_error(name, message)
        return data

    def value(self) -> CameraInput:
        d = self.cleaned_data
        return CameraInput(
            d["external_ref"], d["lon"], d["lat"], d["direction"], d["fov"], d["range_m"], d["name"]
        )


class ServicePointForm(_PointForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ServicePoint.Kind.choices)

    def value(self) -> ServicePointInput:
        d = self.cleaned_data
        return ServicePointInput(d["external_ref"], d["kind"], d["lon"], d["lat"], d["name"])


class OverlayImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[(KINDS[0], _("Cameras")), (KINDS[1], _("Service points"))],
    )
    file = forms.FileField(label=_("File (CSV, XLSX, GeoJSON points)"))
    crs = forms.ChoiceField(
        label=_("Coordinates of CSV/XLSX rows"),
        required=False,
        choices=[(c, c) for c in CRS_CHOICES],
    )


class LayerUploadForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    file = forms.FileField(label=_("File (GeoJSON, GeoPackage, zipped Shapefile, KML)"))
    color = forms.RegexField(
        label=_("Colour"), regex=r"^#[0-9a-fA-F]{6}$", initial="#7b3294", max_length=7
    )
    weight = forms.IntegerField(label=_("Line width (px)"), min_value=1, max_value=10, initial=2)
    fill = forms.BooleanField(label=_("Fill polygons"), required=False, initial=True)
    level = forms.ChoiceField(label=_("Visible to"), choices=OverlayLayer.LEVELS)
    area = forms.CharField(
        label=_("Township or village code"),
        required=False,
        max_length=12,
        help_text=_("9 digits for a township, 12 for a village; empty for the whole county."),
    )

    def clean(self):
        data = super().clean()
        level, area = data.get("level"), data.get("area", "")
        digits = {COUNTY: 0, TOWNSHIP: 9, VILLAGE: 12}.get(level)
        if level == COUNTY and area:
            self.add_error("area", _("leave the code empty for the whole county"))
        elif level and level != COUNTY and (len(area) != digits or not area.isdigit()):
            self.add_error("area", _("give the %(n)d-digit code of the area") % {"n": digits})
        return data


class BestSitesForm(forms.Form):
    n = forms.IntegerField(label=_("New cameras"), min_value=1, max_value=MAX_SITES, initial=5)
    layer = forms.IntegerField(label=_("Road junctions from the layer"), required=False)
