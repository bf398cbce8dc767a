"""Inputs of the points pages: each bad field is named in a 400."""

from django import forms
from django.utils.translation import gettext_lazy as _

from layers.validators import validate_photo

from .models import Category


def errors_text(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else f}: {' '.join(e)}"
        for f, e in form.errors.items()
    )


class _EntryForm(forms.Form):
    LEDGER = ""
    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.none())
    points = forms.IntegerField(
        label=_("points (empty: the category's)"), required=False, min_value=-100, max_value=100
    )
    on = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.fields["category"].queryset = Category.objects.filter(
            ledger=self.LEDGER, active=True, redemption=False
        )


class CivilityForm(_EntryForm):
    LEDGER = "civility"
    household = forms.CharField(label=_("household id"), max_length=64)
    photo = forms.FileField(
        label=_("photo (optional)"), required=False, validators=[validate_photo]
    )
    field_order = ["household", "category", "points", "on", "note", "photo"]


class PartyForm(_EntryForm):
    LEDGER = "party"
    person = forms.IntegerField(label=_("party member"))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"), choices=[("approve", "approve"), ("refuse", "refuse")]
    )


class RedeemForm(forms.Form):
    points = forms.IntegerField(label=_("points spent"), min_value=1, max_value=1000)
    on = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("goods or service"), max_length=300)


class BoardSettingForm(forms.Form):
    mask_black = forms.BooleanField(label=_("mask given names on the black board"), required=False)
    size = forms.IntegerField(label=_("households on each board"), min_value=1, max_value=20)
