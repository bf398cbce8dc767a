"""The overlays of every map page (cameras, their view sectors, service points, uploaded
layers): their configuration and script, which wait for the page's map."""

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, json_script
from django.utils.translation import gettext as _

from households.views import tile_template
from layers.overlays.models import ServicePoint

register = template.Library()
KIND_COLORS = {  # = overlays.js legend
    "party_centre": "#d7301f",
    "legal_adviser": "#6a51a3",
    "mediation": "#1b9e77",
    "police": "#08519c",
    "elderly": "#e6ab02",
}


@register.simple_tag
def overlay_layers(shown: bool = True):
    """The overlay layers in the map's layer switcher; ``shown``: cameras and service
    points drawn at first (else only offered in the switcher)."""
    config = {
        "tiles": tile_template(),
        "layers": reverse("overlay-layers-json"),
        "shown": shown,
        "kindColors": KIND_COLORS,
        "text": {
            "cameras": _("Cameras"),
            "sectors": _("Camera views"),
            "servicePoints": _("Service points"),
            "camera": _("Camera"),
            "direction": _("direction"),
            "fov": _("field of view"),
            "range": _("range"),
            "kinds": {k: str(v) for k, v in ServicePoint.Kind.choices},
        },
    }
    return format_html(
        '{}<script src="{}"></script>',
        json_script(config, "overlay-config"),
        static("gis/overlays.js"),
    )
