"""The Django admin (system administrators): ID numbers and phones are never shown in clear,
in lists or forms; an edit replaces a number (households.forms), as the household page does."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from .forms import NewNumbersForm, new_id_number_field, new_phone_field
from .models import Household, Person, Township, Village, VillageGroup
from .privacy import mask_id_number, mask_phone


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Village)
class VillageAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "township", "code_year", "grid_target", "grid_min", "grid_max")
    list_filter = ("township",)
    search_fields = ("code", "name")


@admin.register(VillageGroup)
class VillageGroupAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "village")
    list_filter = ("village__township", "village")
    search_fields = ("code", "name")


class PersonForm(NewNumbersForm):
    NUMBERS = ("phone",)
    new_phone = new_phone_field()

    class Meta:
        model = Person
        exclude = ("phone",)


class HouseholdForm(NewNumbersForm):
    NUMBERS = ("phone", "id_number")
    new_phone = new_phone_field()
    new_id_number = new_id_number_field()

    class Meta:
        model = Household
        exclude = ("phone", "id_number")


@admin.display(description=_("phone"))
def masked_phone(obj) -> str:
    return mask_phone(obj.phone) or "—"


@admin.display(description=_("ID number"))
def masked_id_number(obj) -> str:
    return mask_id_number(obj.id_number) or "—"


class PersonInline(admin.TabularInline):
    model = Person
    form = PersonForm
    extra = 0
    readonly_fields = (masked_phone,)


@admin.register(Household)
class HouseholdAdmin(LeafletGeoAdmin):
    form = HouseholdForm
    list_display = ("external_id", "head", "members", "group", "location_note")
    list_filter = ("group__village", "dibao", "party_member_household")
    search_fields = ("external_id", "head", "address")
    raw_id_fields = ("group",)
    readonly_fields = (masked_phone, masked_id_number)
    inlines = [PersonInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonForm
    list_display = ("name", "household", "party_member", "group_leader")
    list_filter = ("party_member", "group_leader", "womens_group_leader", "five_elders")
    search_fields = ("name", "household__external_id")
    raw_id_fields = ("household",)
    readonly_fields = (masked_phone,)
