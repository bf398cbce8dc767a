"""Forms of the incident pages. They parse; the services check (one set of messages):
fields are optional here so that an empty description or a missing point gets the
service's message, not a generic "required"."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Incident, IncidentCategory
from .services import CRS_CHOICES, NewIncident


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [f for f in data if f]
        return [data] if data else []


class ReportForm(forms.Form):
    category = forms.CharField(  # an unknown code is the service's to refuse, with its message
        label=_("What is it about?"), required=False, max_length=32, widget=forms.Select
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        required=False,
        max_length=4000,  # the service says "at most 2000" itself
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
    )
    photos = MultipleFileField(label=_("Photos (at most 3)"), required=False)
    contact_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=50)
    contact_phone = forms.CharField(
        label=_("Phone to call you back"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    crs = forms.ChoiceField(
        required=False, choices=[(c, c) for c in CRS_CHOICES], widget=forms.HiddenInput
    )
    located_by = forms.ChoiceField(
        required=False,
        choices=[
            (c, c) for c in (Incident.Located.GPS, Incident.Located.MAP, Incident.Located.APP)
        ],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = IncidentCategory.objects.filter(active=True).order_by("order", "code")
        self.fields["category"].widget.choices = [("", "—")] + [(c.code, c.name) for c in active]

    def new_incident(self) -> NewIncident:
        d = self.cleaned_data
        return NewIncident(
            category=d.get("category") or "",
            description=d.get("description") or "",
            lon=d.get("lon"),
            lat=d.get("lat"),
            crs=d.get("crs") or "EPSG:4326",
            located_by=d.get("located_by") or Incident.Located.GPS,
            contact_name=d.get("contact_name") or "",
            contact_phone=d.get("contact_phone") or "",
            photos=d.get("photos") or [],
        )

    def add_service_errors(self, exc) -> None:
        for name, errors in exc.message_dict.items():
            field = name if name in self.fields else None
            if name == "location":
                field = None
            self.add_error(field, errors)


class ActionForm(forms.Form):
    action = forms.CharField(max_length=20)
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    assignee = forms.IntegerField(required=False)
    into = forms.IntegerField(required=False)
    days = forms.IntegerField(required=False, min_value=1, max_value=60)
    photos = MultipleFileField(required=False)

    def options(self) -> dict:
        d = self.cleaned_data
        out = {"note": d.get("note") or "", "photos": d.get("photos") or []}
        if d.get("assignee"):
            out["assignee"] = d["assignee"]
        if d.get("into"):
            out["into"] = d["into"]
        if d.get("days"):
            out["hours"] = d["days"] * 24
        return out


class ResidentForm(forms.Form):
    action = forms.ChoiceField(choices=[("rate", "rate"), ("reopen", "reopen")])
    rating = forms.IntegerField(required=False)
    note = forms.CharField(required=False, max_length=200)
