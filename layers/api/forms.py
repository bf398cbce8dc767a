from django import forms
from django.utils.translation import gettext_lazy as _

from .tokens import token_user_get


class TokenIssueForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    name = forms.CharField(
        label=_("What it is for"),
        max_length=100,
        help_text=_("For example: QGIS of the GIS office"),
    )

    def clean_username(self):
        try:
            return token_user_get(self.cleaned_data["username"].strip())
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
