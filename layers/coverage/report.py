"""A standalone HTML map report made with folium: the place's units coloured by a column,
a legend, the figures on hover. Leaflet's script and style are inlined (no CDN, no
basemap), so the file opens on an offline laptop."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

import folium
from branca.element import Element
from django.contrib.staticfiles import finders
from django.utils import translation
from django.utils.translation import gettext as _

from .exports import EXPORT_LANGUAGE
from .indicators import INDICATORS, indicator_get
from .maps import unit_features

# Sequential palettes (ColorBrewer, 5 classes): greens where higher is better, reds where
# it is worse, blues otherwise (the same as coverage.js)
PALETTES = {
    True: ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"],
    False: ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"],
    None: ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
}
NO_VALUE = "#cccccc"


@cache
def _static(name: str) -> str:
    return Path(finders.find(name)).read_text(encoding="utf-8")


def colour(value, breaks: list, good) -> str:
    if value is None or not breaks:
        return NO_VALUE
    palette = PALETTES[good]
    for n, upper in enumerate(breaks):
        if value <= upper:
            return palette[min(len(palette) - 1, n + len(palette) - len(breaks))]
    return palette[-1]


def report_map(collection: dict, column: str, title: str) -> folium.Map:
    """The map, from a FeatureCollection with ``values`` and ``breaks`` (no database)."""
    indicator = indicator_get(column)
    breaks = collection["breaks"].get(column, [])
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    m.default_js, m.default_css = [], []  # inlined below: no CDN
    root = m.get_root()
    root.header.add_child(Element(f"<style>{_static('leaflet/leaflet.css')}</style>"))
    root.header.add_child(Element(f"<script>{_static('leaflet/leaflet.js')}</script>"))
    root.header.add_child(Element(f"<title>{html.escape(title)}</title>"))
    features = []
    for f in collection["features"]:
        values = f["properties"]["values"]
        props = {"name": f["properties"]["name"], "code": f["properties"]["code"]}
        for i in INDICATORS:
            props[str(i.label)] = _shown(i, values[i.key])
        props["_colour"] = colour(values[column], breaks, indicator.good)
        features.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda f: {
            "fillColor": f["properties"]["_colour"],
            "color": "#333333",
            "weight": 1,
            "fillOpacity": 0.75,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=[
                "name",
                str(indicator.label),
                *(str(i.label) for i in INDICATORS if i.key != column),
            ][:8],
        ),
    )
    layer.add_to(m)
    if features:
        bounds = layer.get_bounds()
        if bounds and None not in bounds[0]:
            m.fit_bounds(bounds)
    root.html.add_child(Element(_legend(indicator, breaks, title)))
    return m


def _shown(indicator, value) -> str:
    if value is None:
        return "—"
    if indicator.kind == "share":
        return f"{value * 100:.1f}%"
    if indicator.kind == "mean":
        return f"{value:.{indicator.digits or 1}f}"
    return str(int(value))


def _legend(indicator, breaks: list, title: str) -> str:
    rows = []
    lower = None
    for upper in breaks:
        c = colour(upper, breaks, indicator.good)
        text = (
            f"{_shown(indicator, lower) if lower is not None else '≤'} – {_shown(indicator, upper)}"
        )
        rows.append(f'<div><i style="background:{c}"></i>{html.escape(text)}</div>')
        lower = upper
    return (
        '<div id="legend" style="position:fixed;top:10px;right:10px;z-index:1000;background:#fff;'
        'padding:8px;font:13px sans-serif;border:1px solid #999">'
        f"<b>{html.escape(title)}</b><br>{html.escape(str(indicator.label))}"
        + "".join(rows)
        + "</div><style>#legend i{display:inline-block;width:14px;height:14px;margin-right:6px;"
        "vertical-align:middle}</style>"
    )


def report_html(ctx, column: str) -> tuple[bytes, int]:
    """(the HTML file, how many units it shows)."""
    collection = unit_features(ctx)
    with translation.override(EXPORT_LANGUAGE):
        title = f"{ctx.place.name} · {_('Coverage')}"
        m = report_map(json.loads(json.dumps(collection)), column, title)
        body = m.get_root().render()
    return body.encode("utf-8"), len(collection["features"])
