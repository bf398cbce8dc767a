"""What every page shares: a title that ends with the county's name (no dangling
separator), the site's icon at /favicon.ico, one link to the access log in the top bar."""

import re

import pytest
from django.conf import settings

TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def test_the_icon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header


@pytest.mark.parametrize("role", ["county", "grid_leader"])
def test_titles_end_with_the_county_and_the_access_log_is_linked_once(field, client, role):
    client.force_login(field.users[role])
    pages = [f"/grids/{field.grid.code}/work/", "/incidents/"]
    if role == "county":
        pages += [f"/townships/{field.township.code}/map/", "/access-log/"]
    for url in pages:
        body = client.get(url, follow=True).content.decode()
        title = " ".join(TITLE.search(body)[1].split())
        assert title.endswith(f" · {settings.COUNTY_NAME}"), (url, title)
        assert not title.startswith("·") and "· ·" not in title, (url, title)
        topbar = body.split('<header class="topbar">')[1].split("</header>")[0]
        expected = 1 if role == "county" else 0
        assert topbar.count('href="/access-log/"') == expected, url


def test_a_page_without_a_county_name_has_no_dangling_separator(client, settings):
    settings.COUNTY_NAME = ""
    title = TITLE.search(client.get("/accounts/login/").content.decode())[1]
    assert not title.strip().endswith("·")


def test_a_partition_run_names_its_village(field, client):
    from grids.models import PartitionRun

    run = PartitionRun.objects.create(
        scope="village", scope_code=field.village.code, status=PartitionRun.Status.QUEUED
    )
    client.force_login(field.users["township"])
    page = client.get(f"/partition-runs/{run.pk}/").content.decode()
    assert f"{field.village.name} <span" in page
    listed = client.get(f"/townships/{field.township.code}/map/").content.decode()
    assert f"#{run.pk} " in listed and field.village.name in listed.split(f"#{run.pk} ")[1][:60]
    gone = PartitionRun(scope="village", scope_code="360721100299")
    assert gone.area_name == "360721100299"  # a code that names nothing any more
