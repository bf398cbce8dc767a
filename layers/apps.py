from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LayersConfig(AppConfig):
    name = "layers"
    verbose_name = _("Map layers and reports")

    def ready(self):
        from layers.overlays import dashboard, tiles  # noqa: F401 - a column, tile layers register
        from layers.tiles import grid_layers  # noqa: F401 - the grid maps' tile layers register
