"""Inputs of the assessment pages: each bad field is named in a 400."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Run


class StartForm(forms.Form):
    kind = forms.ChoiceField(label=_("period"), choices=Run.Kind.choices)
    starts_on = forms.DateField(label=_("first day"))


class ChangeForm(forms.Form):
    person = forms.IntegerField(label=_("person"))
    points = forms.DecimalField(label=_("points"), max_digits=6, decimal_places=2)
    reason = forms.CharField(label=_("reason"), max_length=300)


class ManualForm(ChangeForm):
    label = forms.CharField(label=_("indicator"), max_length=50)


class LockForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)


class RuleForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    valid_from = forms.DateField(
        label=_("applies to periods starting on or after"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    weight_total = forms.IntegerField(
        label=_("declared total of the weights"), min_value=1, max_value=1000
    )
    weights = forms.CharField(label=_("weights (JSON)"), widget=forms.Textarea(attrs={"rows": 4}))
    tiers = forms.CharField(label=_("tiers (JSON)"), widget=forms.Textarea(attrs={"rows": 6}))
    targets = forms.CharField(
        label=_("yearly targets (JSON)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def _json(self, name, kind):
        try:
            value = json.loads(self.cleaned_data.get(name) or ("{}" if kind is dict else "[]"))
        except ValueError:
            raise forms.ValidationError(_("Not valid JSON.")) from None
        if not isinstance(value, kind) or (
            kind is list and not all(isinstance(t, dict) for t in value)
        ):
            raise forms.ValidationError(_("Not the expected JSON shape."))
        return value

    def clean_weights(self):
        return self._json("weights", dict)

    def clean_tiers(self):
        return self._json("tiers", list)

    def clean_targets(self):
        return self._json("targets", dict)


def errors_text(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else f}: {' '.join(e)}"
        for f, e in form.errors.items()
    )
