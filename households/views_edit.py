"""Household edits by township staff (their township) and village cadres (their village)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from households import access
from households.forms import new_id_number_field, new_phone_field
from households.models import Household
from households.privacy import SENSITIVE_TAGS, mask_id_number, mask_phone
from households.services import household_update

PLAIN_FIELDS = ["head", "members", "address", "civility_points"]


class HouseholdForm(forms.ModelForm):
    """ID number and phone are never shown in clear here: a new value replaces the old one."""

    new_phone = new_phone_field()
    new_id_number = new_id_number_field()

    class Meta:
        model = Household
        fields = [*PLAIN_FIELDS, *Household.TAG_FIELDS]
        labels = {"members": _("Members")}

    def __init__(self, *args, sensitive: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not sensitive:  # who may not see a sensitive tag may not set it either
            for name in SENSITIVE_TAGS:
                del self.fields[name]


@login_required
def household_edit(request, external_id):
    # the role first: a role that never edits households gets the same 403 for any id,
    # existing or not, which tells it nothing; then 404 outside the user's area
    access.require(request.user, "edit_households")
    household = get_object_or_404(
        Household.objects.select_related("group__village__township"), external_id=external_id
    )
    if household.group is None:  # outside every group: only county-wide roles
        if not access.scope_for(request.user).county:
            raise Http404
        scope = access.scope_for(request.user)
    else:
        scope = access.require_village(request.user, "edit_households", household.group.village)
    # the form gets its own copy: validating a ModelForm writes the values onto its instance
    form = HouseholdForm(
        request.POST or None,
        instance=Household.objects.get(pk=household.pk),
        sensitive=scope.can("sensitive_tags"),
    )
    if request.method == "POST" and form.is_valid():
        household_update(household, form.cleaned_data, fields=list(form.fields), user=request.user)
        messages.success(request, _("Household %(id)s saved.") % {"id": household.external_id})
        target = request.GET.get("next", "")
        if target.startswith("/") and not target.startswith("//"):  # local pages only
            return redirect(target)
        return redirect("household-edit", external_id=external_id)
    return render(
        request,
        "households/household_edit.html",
        {
            "household": household,
            "form": form,
            "masked_phone": mask_phone(household.phone),
            "masked_id": mask_id_number(household.id_number),
        },
    )
