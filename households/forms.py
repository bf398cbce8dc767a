"""Form fields shared by the household edit page and the Django admin: an ID number or a
phone is never shown in clear in a form; a new value replaces the old one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from households.importing.fields import ID_NUMBER_RE, PHONE_RE

KEEP = _("Leave empty to keep the current one.")


def new_phone_field() -> forms.RegexField:
    return forms.RegexField(PHONE_RE, required=False, label=_("New phone"), help_text=KEEP)


def new_id_number_field() -> forms.RegexField:
    return forms.RegexField(ID_NUMBER_RE, required=False, label=_("New ID number"), help_text=KEEP)


class NewNumbersForm(forms.ModelForm):
    """A model form whose number fields (``NUMBERS``, left out of its Meta) are replaced by
    ``new_<field>`` fields: an empty one keeps the number, a value replaces it."""

    NUMBERS: tuple[str, ...] = ()

    def save(self, commit=True):
        for name in self.NUMBERS:
            value = self.cleaned_data.get(f"new_{name}")
            if value:
                setattr(self.instance, name, value)
        return super().save(commit)
