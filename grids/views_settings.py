"""Grid settings of a township's villages: grid target and band, member-area target and band.

The partitioner, the map's band colours and the editor's warnings all read these per
village (central communities may use larger grids). Township staff edit every village
of their township on one page; the save is all or nothing, and each changed village
gets an entry in its grid history (who, when, before and after).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import transaction
from django.forms import modelformset_factory
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from grids.models import GridEditEvent
from households import access
from households import selectors as hh_selectors
from households.models import Village
from households.stamps import data_changed

FIELDS = ("grid_target", "grid_min", "grid_max", "member_target", "member_min", "member_max")
GRID_LIMITS = (5, 500)  # households per grid: a bound on typing mistakes, not a policy
MEMBER_LIMITS = (2, 100)


class VillageSettingsForm(forms.ModelForm):
    class Meta:
        model = Village
        fields = FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            lo, hi = GRID_LIMITS if name.startswith("grid") else MEMBER_LIMITS
            field.widget.attrs.update(min=lo, max=hi, step=1, inputmode="numeric")
            # the value the user saw goes back with the form: has_changed() compares with
            # it, and settings_save() refuses the village if someone changed it meanwhile
            field.show_hidden_initial = True
            field.validators += [MinValueValidator(lo), MaxValueValidator(hi)]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None:  # a form the page never had, or another township's id
            raise forms.ValidationError(
                _("A village that is not on this page: reload the page and try again.")
            )
        values = [data.get(f) for f in FIELDS]
        if None in values:  # a field error is already shown
            return data
        grid_target, grid_min, grid_max, member_target, member_min, member_max = values
        if not grid_min <= grid_target <= grid_max:
            self.add_error("grid_target", _("The grid band must contain the grid target."))
        if not member_min <= member_target <= member_max:
            self.add_error("member_target", _("The member band must contain the member target."))
        if member_max > grid_max:
            self.add_error(
                "member_max", _("A member area cannot hold more households than a grid.")
            )
        return data

    def _post_clean(self):
        # Not the model's validation: its clean() repeats the band checks above as errors
        # naming no field, and checks the village code, which this form does not change.
        # settings_save writes the cleaned values; the database constraints still hold.
        pass


# edit_only: a crafted POST with more forms than villages must not create villages
SettingsFormSet = modelformset_factory(Village, form=VillageSettingsForm, extra=0, edit_only=True)


def _describe(village: Village, before: dict, after: dict) -> str:
    def text(v):
        return _(
            "grids %(min)d–%(max)d (target %(target)d), member areas %(mmin)d–%(mmax)d "
            "(target %(mtarget)d)"
        ) % {
            "min": v["grid_min"],
            "max": v["grid_max"],
            "target": v["grid_target"],
            "mmin": v["member_min"],
            "mmax": v["member_max"],
            "mtarget": v["member_target"],
        }

    return _("Grid settings of %(village)s: %(before)s → %(after)s") % {
        "village": village.name,
        "before": text(before),
        "after": text(after),
    }


class SettingsConflict(Exception):
    """A village's settings changed between loading the page and saving it."""


def _seen(form) -> dict:
    """The values the page showed (its hidden initial fields)."""
    out = {}
    for f in FIELDS:
        raw = form.data.get(form.add_initial_prefix(f))
        try:
            out[f] = int(raw)
        except (TypeError, ValueError):
            out[f] = None
    return out


@transaction.atomic
def settings_save(formset, user) -> list[Village]:
    """Save the changed villages (all or nothing) with one history entry each. Raises
    SettingsConflict (saving nothing) if one of them changed since the page was loaded."""
    changed = []
    for form in formset.forms:  # each bound to one of the township's villages (clean())
        if not form.has_changed():
            continue
        village = Village.objects.select_for_update().get(pk=form.instance.pk)
        before = {f: getattr(village, f) for f in FIELDS}
        if before != _seen(form):
            last = (
                GridEditEvent.objects.filter(village=village, action=GridEditEvent.Action.SETTINGS)
                .select_related("user")
                .order_by("-at")
                .first()
            )
            who = last.user.username if last and last.user else "—"
            raise SettingsConflict(
                _(
                    "The grid settings of %(village)s were changed by %(user)s while this page was "
                    "open; nothing was saved. Reload the page to see them."
                )
                % {"village": village.name, "user": who}
            )
        for f in FIELDS:
            setattr(village, f, form.cleaned_data[f])
        village.save(update_fields=list(FIELDS))
        after = {f: getattr(village, f) for f in FIELDS}
        GridEditEvent.objects.create(
            village=village,
            user=user,
            action=GridEditEvent.Action.SETTINGS,
            summary=_describe(village, before, after)[:500],
            detail={"before": before, "after": after},
        )
        changed.append(village)
    data_changed([v.township_id for v in changed])  # band colours on the maps
    return changed


@login_required
def township_settings(request, code):
    township = hh_selectors.township_get(code)
    access.require_township(request.user, "partition", township)
    villages = township.villages.order_by("code")
    if request.method == "POST":
        formset = SettingsFormSet(request.POST, queryset=villages)
        if formset.is_valid():
            try:
                changed = settings_save(formset, request.user)
            except SettingsConflict as exc:
                messages.error(request, str(exc))
                return redirect("township-settings", code=township.code)
            if changed:
                messages.success(
                    request,
                    _("Saved the grid settings of %(names)s.")
                    % {"names": "、".join(v.name for v in changed)},
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("township-settings", code=township.code)
        messages.error(request, _("Nothing was saved: correct the marked values."))
    else:
        formset = SettingsFormSet(queryset=villages)
    labels = {f: Village._meta.get_field(f).verbose_name for f in FIELDS}
    errors = [
        (form.instance, labels.get(name, ""), error)  # village, field, message
        for form in formset.forms
        for name, errs in form.errors.items()
        for error in errs
    ]
    return render(
        request,
        "grids/township_settings.html",
        {
            "township": township,
            "formset": formset,
            "errors": errors,
            "rows": [(form, form.instance) for form in formset.forms if form.instance.pk],
        },
    )
