"""User names are not personal data; the access log keeps no number in clear.

Accounts that grids.appointments made for leaders and members were named after the
person's phone (or "wg" and their resident id): each is renamed after its post, as new
ones are (households.accounts.rules: grid code, a dash, the member-area number, 0 for the
leader; -2, -3 ... if taken), and the rename is recorded with the old name masked. Those
whose post had already ended (the binding was deleted then) are named "former-" and their
id, and disabled, as an ended post's account now is. Pages
logged with their query string (a search by phone or ID number) are masked the way the
access log now writes them (households.privacy.logged_path).
"""

import re

from django.db import migrations

OLD_NAME = re.compile(r"^(\d{11}|wg\d+)$")


def _mask(name: str) -> str:
    return name[:3] + "*" * (len(name) - 7) + name[-4:] if name.isdigit() else name


def rename_post_accounts(apps, schema_editor):
    UserArea = apps.get_model("households", "UserArea")
    User = apps.get_model("auth", "User")
    AccountEvent = apps.get_model("households", "AccountEvent")
    taken = set(User.objects.values_list("username", flat=True))
    areas = UserArea.objects.filter(
        role__in=["grid_leader", "grid_member"], person__isnull=False
    ).select_related("user")
    for ua in areas.order_by("grid_code", "member_number", "pk"):
        old = ua.user.username
        if not OLD_NAME.match(old):
            continue
        base = f"{ua.grid_code}-{ua.member_number or 0}"
        name, n = base, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        ua.user.username = name
        ua.user.save(update_fields=["username"])
        AccountEvent.objects.create(
            account=ua.user, action="renamed", changes={"username": [_mask(old), name]}
        )


def rename_former_post_accounts(apps, schema_editor):
    User = apps.get_model("auth", "User")
    Person = apps.get_model("households", "Person")
    AccountEvent = apps.get_model("households", "AccountEvent")
    phones = set(Person.objects.exclude(phone="").values_list("phone", flat=True))
    for user in User.objects.filter(area__isnull=True, username__regex=OLD_NAME.pattern):
        old = user.username
        if old.isdigit() and old not in phones:
            continue  # not named by grids.appointments
        user.username, user.is_active = f"former-{user.pk}", False
        user.save(update_fields=["username", "is_active"])
        changes = {"username": [_mask(old), user.username]}
        AccountEvent.objects.create(account=user, action="renamed", changes=changes)
        AccountEvent.objects.create(account=user, action="post_ended")


def mask_logged_queries(apps, schema_editor):
    from households.privacy import logged_path

    AccessLog = apps.get_model("households", "AccessLog")
    for entry in AccessLog.objects.filter(path__contains="?").only("pk", "path"):
        path, _sep, query = entry.path.partition("?")
        masked = logged_path(path, query)
        if masked != entry.path:
            AccessLog.objects.filter(pk=entry.pk).update(path=masked)


class Migration(migrations.Migration):
    dependencies = [("households", "0007_staff_accounts")]

    operations = [
        migrations.RunPython(rename_post_accounts, migrations.RunPython.noop),
        migrations.RunPython(rename_former_post_accounts, migrations.RunPython.noop),
        migrations.RunPython(mask_logged_queries, migrations.RunPython.noop),
    ]
