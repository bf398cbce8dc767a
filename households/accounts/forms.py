"""The account form: a name, a phone, a role and its area picked from the hierarchy
(township -> village -> grid -> member area), each picker offering only what the user's own
area holds. The picked area is resolved and checked as every other input is (rules)."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from households.access import LEVEL_OF_ROLE
from households.importing.fields import PHONE_RE
from households.models import Role, Township, UserArea, Village
from households.privacy import mask_phone
from households.scoping import COUNTY, GRID, LEVELS, MEMBER, TOWNSHIP, VILLAGE

from .rules import AreaCodeError, Binding, GrantRefused, binding_resolve, grant_check, village_grids

ERR_PICK = _("Pick the %(what)s of this account.")
ERR_VILLAGE_NOT_IN_TOWNSHIP = _("%(village)s is not a village of %(township)s.")
ERR_SAME_PASSWORD = _("Choose a password of your own, not the one you were given.")
PICKED = {TOWNSHIP: "township", VILLAGE: "village", GRID: "grid", MEMBER: "member"}
WHAT = {
    "township": _("township"),
    "village": _("village"),
    "grid": _("grid"),
    "member": _("member area"),
}


class _DataSelect(forms.Select):
    """A select whose options carry data attributes (codes, a village's township, a role's
    level) for the pickers' script (gis/static/gis/accounts.js): name -> function of the
    option's value."""

    def __init__(self, data, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.data = data

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value not in (None, ""):
            for attribute, of in self.data.items():
                option["attrs"][f"data-{attribute}"] = of(value)
        return option


class AccountForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=User._meta.get_field("first_name").max_length
    )
    phone = forms.RegexField(
        PHONE_RE,
        label=_("Phone"),
        required=False,
        max_length=UserArea._meta.get_field("phone").max_length,
    )
    role = forms.ChoiceField(label=_("Role"))
    township = forms.ModelChoiceField(label=_("Township"), queryset=None, required=False)
    village = forms.ModelChoiceField(label=_("Village"), queryset=None, required=False)
    grid = forms.ChoiceField(label=_("Grid"), required=False)
    member = forms.ChoiceField(label=_("Member area"), required=False)

    def __init__(self, data=None, *, scope, grantable, account: UserArea | None = None):
        super().__init__(data, initial=_initial(account) if account is not None else None)
        self.scope = scope
        roles = self.fields["role"]
        roles.choices = [("", "—")] + [(r, Role(r).label) for r in grantable]
        roles.widget = _DataSelect({"level": LEVEL_OF_ROLE.get}, choices=roles.choices)
        townships = self.fields["township"]
        townships.queryset = Township.objects.for_scope(scope).order_by("code")
        townships.widget = _DataSelect({"code": _code}, choices=townships.choices)
        only = list(townships.queryset[:2])
        if len(only) == 1 and not self.is_bound and "township" not in self.initial:
            self.initial["township"] = only[0].pk  # township staff: their own
        villages = self.fields["village"]
        villages.queryset = (
            Village.objects.for_scope(scope).select_related("township").order_by("code")
        )
        villages.widget = _DataSelect(
            {"code": _code, "township": lambda v: v.instance.township.code},
            choices=villages.choices,
        )
        if account is not None:
            self.fields["phone"].help_text = _("Now %(phone)s. Leave empty to keep it.") % {
                "phone": mask_phone(account.phone) or "—"
            }
        self._grid_choices()

    def _grid_choices(self) -> None:
        """Grids of the picked village, member areas of the picked grid (the script refreshes
        them as the user picks; the server offers the same)."""
        village = self._picked_village()
        grids = village_grids(self.scope, village) if village is not None else []
        empty = [("", "—")]
        self.fields["grid"].choices = empty + [(g["code"], g["code"]) for g in grids]
        picked = self.data.get("grid") if self.is_bound else self.initial.get("grid")
        areas = next((g["areas"] for g in grids if g["code"] == picked), [])
        self.fields["member"].choices = empty + [(str(n), str(n)) for n in areas]

    def _picked_village(self):
        value = self.data.get("village") if self.is_bound else self.initial.get("village")
        if not value:
            return None
        pk = getattr(value, "pk", value)
        return self.fields["village"].queryset.filter(pk=pk).first() if str(pk).isdigit() else None

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if not role:
            return data
        level = LEVEL_OF_ROLE[role]
        needed = LEVELS[1 : LEVELS.index(level) + 1]
        for lv in needed:
            if not data.get(PICKED[lv]):
                self.add_error(PICKED[lv], ERR_PICK % {"what": WHAT[PICKED[lv]]})
        if self.errors:
            return data
        township, village = data.get("township"), data.get("village")
        if village is not None and township is not None and village.township_id != township.pk:
            self.add_error(
                "village", ERR_VILLAGE_NOT_IN_TOWNSHIP % {"village": village, "township": township}
            )
            return data
        code = {
            COUNTY: settings.COUNTY_CODE,
            TOWNSHIP: township.code if township else "",
            VILLAGE: village.code if village else "",
            GRID: data.get("grid", ""),
            MEMBER: f"{data.get('grid', '')}-{data.get('member', '')}",
        }[level]
        try:
            binding = binding_resolve(role, code)
            grant_check(self.scope, binding)
        except (AreaCodeError, GrantRefused) as exc:
            self.add_error(PICKED.get(level, "role"), str(exc))
            return data
        data["binding"] = binding
        return data


def _code(value) -> str:
    return value.instance.code


def _initial(ua: UserArea) -> dict:
    binding = Binding.of(ua)
    township = ua.township or (ua.village.township if ua.village else None)
    return {
        "name": ua.user.first_name,
        "role": ua.role,
        "township": township.pk if township else None,
        "village": ua.village_id,
        "grid": ua.grid_code,
        "member": str(ua.member_number or ""),
        "code": binding.code,
    }


class OwnPasswordForm(PasswordChangeForm):
    """Django's password change, refusing to keep the password someone else issued."""

    def clean_new_password1(self):
        password = self.cleaned_data.get("new_password1")
        if password and self.user.check_password(password):
            raise forms.ValidationError(ERR_SAME_PASSWORD, code="same_password")
        return password
