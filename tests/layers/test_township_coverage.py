"""After an import, the township map says how many households are in no grid (per village,
with a button to partition it) and lists the households outside every village group."""

from django.contrib.gis.geos import Point

from grids.coverage import households_outside_groups, households_without_grid
from households.access import scope_for
from households.models import Household, VillageGroup


def _add(field, n, *, group=True):
    """n new households in a group of the leader's village (or outside every group)."""
    g = VillageGroup.objects.filter(village=field.village).first()
    centre = g.geom.point_on_surface
    made = []
    for i in range(n):
        made.append(
            Household.objects.create(
                external_id=f"H88800{i:02d}",
                head=f"新户{i}",
                group=g if group else None,
                location=Point(centre.x + i * 1e-5, centre.y, srid=4326),
                location_note="" if group else "outside every group",
            )
        )
    return made


def test_new_households_show_as_in_no_grid_with_a_partition_button(field, client):
    township = field.users["township"]
    assert households_without_grid(scope_for(township), field.township) == []
    _add(field, 3)
    (u,) = households_without_grid(scope_for(township), field.township)
    assert (u.village_code, u.village_name, u.households) == (
        field.village.code,
        field.village.name,
        3,
    )
    client.force_login(township)
    page = client.get(f"/townships/{field.township.code}/map/").content.decode()
    panel = page.split('id="unassigned"')[1].split("</section>")[0]
    assert field.village.name in panel and "3" in panel
    assert f'name="village" value="{field.village.code}"' in panel  # the partition button
    # a village cadre of another village of the township sees none of them; the cadre of
    # this one sees them without the button
    client.force_login(field.users["village"])
    page = client.get(f"/townships/{field.township.code}/map/").content.decode()
    assert (
        'id="unassigned"' in page
        and 'name="village"' not in page.split('id="unassigned"')[1].split("</section>")[0]
    )


def test_households_outside_every_group_are_listed(field, client):
    township = field.users["township"]
    assert households_outside_groups(scope_for(township), field.township) == (0, [])
    made = _add(field, 2, group=False)
    n, listed = households_outside_groups(scope_for(township), field.township)
    assert n == 2 and [h["id"] for h in listed] == [h.external_id for h in made]
    assert listed[0]["lon"] == made[0].location.x
    client.force_login(township)
    page = client.get(f"/townships/{field.township.code}/map/").content.decode()
    panel = page.split('id="outside-groups"')[1].split("</section>")[0]
    assert all(f'data-household="{h.external_id}"' in panel for h in made)
    # a grid member (of another place) never sees them
    assert households_outside_groups(scope_for(field.users["grid_member"]), field.township)[0] == 0
