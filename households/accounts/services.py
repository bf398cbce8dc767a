"""Writes for staff accounts (<entity>_<action>), each atomic and recorded as an AccountEvent.

``by`` is the user who acts: their scope must grant the account's role and area
(households.accounts.rules); None is the command line or the appointments of a grid, which
are checked where they are made. A password is only ever issued as a one-time password,
changed at the next login (gis.middleware.PasswordChangeRequiredMiddleware).
"""

from __future__ import annotations

import secrets

from axes.utils import reset as axes_reset
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from households.access import scope_for
from households.models import AccountEvent, Person, Role, UserArea
from households.privacy import mask_phone

from .rules import Binding, grant_check, manage_check, username_for

Action = AccountEvent.Action
ONE_TIME_PASSWORD_BYTES = 9  # secrets.token_urlsafe: 12 characters, 72 bits


def one_time_password() -> str:
    return secrets.token_urlsafe(ONE_TIME_PASSWORD_BYTES)


def _record(account: User, by, action: str, changes: dict | None = None) -> AccountEvent:
    return AccountEvent.objects.create(account=account, by=by, action=action, changes=changes or {})


def _described(binding: Binding, name: str, phone: str) -> dict:
    return {
        "role": binding.role,
        "area": binding.code,
        "name": name,
        "phone": mask_phone(phone),
    }


def _check(by, binding: Binding) -> None:
    if by is not None:
        grant_check(scope_for(by), binding)


def _set_staff_flags(user: User, role: str) -> None:
    """System administrators use the Django admin; nobody else does."""
    user.is_staff = user.is_superuser = role == Role.ADMIN


@transaction.atomic
def account_create(*, by, binding: Binding, name: str, phone: str = "") -> tuple[User, str]:
    """A new account bound to `binding`, with a one-time password: (user, password)."""
    _check(by, binding)
    password = one_time_password()
    user = User(username=username_for(binding), first_name=name)
    _set_staff_flags(user, binding.role)
    user.set_password(password)
    user.save()
    UserArea.objects.create(user=user, phone=phone, must_change_password=True, **binding.fields())
    after = _described(binding, name, phone)
    _record(user, by, Action.CREATED, {k: [None, v] for k, v in after.items() if v})
    return user, password


@transaction.atomic
def account_update(ua: UserArea, *, by, binding: Binding, name: str, phone: str = "") -> UserArea:
    """Change an account's role, area and name; `phone` replaces the number when given."""
    if by is not None:
        manage_check(scope_for(by), by, ua)
    _check(by, binding)
    user = ua.user
    before = _described(Binding.of(ua), user.first_name, ua.phone)
    for field, value in binding.fields().items():
        setattr(ua, field, value)
    if phone:
        ua.phone = phone
    ua.save()
    user.first_name = name
    _set_staff_flags(user, binding.role)
    user.save(update_fields=["first_name", "is_staff", "is_superuser"])
    after = _described(binding, name, ua.phone)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        _record(user, by, Action.CHANGED, changes)
    return ua


@transaction.atomic
def account_set_active(ua: UserArea, *, by, active: bool) -> UserArea:
    """Disable (never delete: the access log and this record keep naming it) or enable."""
    if by is not None:
        manage_check(scope_for(by), by, ua)
    user = ua.user
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        _record(user, by, Action.ENABLED if active else Action.DISABLED)
    if active and ua.post_ended_at:
        ua.post_ended_at = None
        ua.save(update_fields=["post_ended_at"])
    return ua


@transaction.atomic
def account_password_issue(ua: UserArea, *, by) -> str:
    """A new one-time password (returned, shown once), to be changed at the next login;
    the account's failed-login lockout is lifted."""
    if by is not None:
        manage_check(scope_for(by), by, ua)
    password = one_time_password()
    ua.user.set_password(password)
    ua.user.save(update_fields=["password"])
    ua.must_change_password = True
    ua.save(update_fields=["must_change_password"])
    axes_reset(username=ua.user.username)
    _record(ua.user, by, Action.PASSWORD_ISSUED)
    return password


@transaction.atomic
def account_password_changed(user: User) -> None:
    """The user chose their own password (the one-time one is gone)."""
    UserArea.objects.filter(user=user, must_change_password=True).update(must_change_password=False)
    _record(user, user, Action.PASSWORD_CHANGED)


@transaction.atomic
def account_post_bind(person: Person, binding: Binding) -> User | None:
    """The account of a resident who holds a grid post (grids.appointments): created
    without a usable password (staff issue one), or bound to the post and enabled again if
    the previous post had ended. Returns the user when one was created."""
    ua = UserArea.objects.select_related("user", "village__township").filter(person=person).first()
    if ua is None:
        user = User(username=username_for(binding), first_name=person.name)
        user.set_unusable_password()
        user.save()
        UserArea.objects.create(user=user, person=person, **binding.fields())
        _record(
            user,
            None,
            Action.POST_BOUND,
            {"role": [None, binding.role], "area": [None, binding.code]},
        )
        return user
    before = Binding.of(ua)
    if before != binding:
        for field, value in binding.fields().items():
            setattr(ua, field, value)
        changes = {"role": [before.role, binding.role], "area": [before.code, binding.code]}
        if ua.user.username.startswith(f"{before.grid_code}-"):  # named after the old post
            name = username_for(binding)
            changes["username"] = [ua.user.username, name]
            ua.user.username = name
            ua.user.save(update_fields=["username"])
        ua.save()
        _record(ua.user, None, Action.POST_BOUND, changes)
    if ua.post_ended_at is not None:  # disabled because the post ended: enabled again
        ua.post_ended_at = None
        ua.save(update_fields=["post_ended_at"])
        ua.user.is_active = True
        ua.user.save(update_fields=["is_active"])
        _record(ua.user, None, Action.ENABLED)
    return None


@transaction.atomic
def account_post_end(ua: UserArea) -> None:
    """The resident's post ended: the account is disabled, not deleted (the access log and
    this record keep naming who held it), and keeps its last binding."""
    if ua.post_ended_at is not None:
        return
    ua.post_ended_at = timezone.now()
    ua.save(update_fields=["post_ended_at"])
    if ua.user.is_active:
        ua.user.is_active = False
        ua.user.save(update_fields=["is_active"])
    _record(ua.user, None, Action.POST_ENDED, {"area": [Binding.of(ua).code, None]})
