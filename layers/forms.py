"""The visit form: household choices limited to what the user may log, point as lon/lat."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import visit_point
from .validators import validate_photo

POINT_BOTH = _("Give both longitude and latitude, or neither.")


class VisitForm(forms.Form):
    household = forms.ModelChoiceField(label=_("Household"), queryset=None)
    visited_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )  # what <input type=date> accepts
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        validators=[validate_photo],
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = lambda h: (
            f"{h.head or '—'} · {h.external_id}"
        )
        self.fields["visited_on"].initial = timezone.localdate

    def clean(self):
        data = super().clean()
        lon, lat = data.get("lon"), data.get("lat")
        if (lon is None) != (lat is None):
            raise ValidationError(POINT_BOTH)
        data["point"] = None
        if lon is not None:
            try:
                data["point"] = visit_point(lon, lat)
            except ValidationError as exc:
                self.add_error(None, exc)
        return data
