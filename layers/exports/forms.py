from django import forms
from django.utils.translation import gettext_lazy as _

from .services import CRS_CHOICES
from .writers import FORMATS

WHAT = (
    ("grids", _("Grids")),
    ("member-areas", _("Member areas")),
    ("village-groups", _("Village groups")),
    ("households", _("Households (ID numbers and phones masked)")),
)


class ExportForm(forms.Form):
    what = forms.ChoiceField(label=_("What"), choices=WHAT)
    township = forms.CharField(label=_("Township code"), max_length=9, required=False)
    village = forms.CharField(
        label=_("or village code"), max_length=12, required=False, help_text=_("12 digits")
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=[(k, f.label) for k, f in FORMATS.items()]
    )
    crs = forms.ChoiceField(
        label=_("Coordinate system"),
        choices=[(k, f"{k} ({c.label})") for k, c in CRS_CHOICES.items()],
    )
