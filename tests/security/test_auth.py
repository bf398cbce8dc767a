"""Login hardening: CSRF, throttled failed logins, expiring sessions, password validators."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

PASSWORD = "pw-for-tests-1"
pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db):
    return User.objects.create_user("alice", password=PASSWORD)


def test_csrf_is_enforced(user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    client.force_login(user)
    assert client.post("/grids/360721100200001/visits/", {}).status_code == 403
    assert client.post("/accounts/logout/").status_code == 403


def test_repeated_failed_logins_are_throttled(user, settings):
    settings.AXES_ENABLED = True
    client = Client()
    statuses = [
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)  # the form, an error
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code in (403, 429)  # locked out, even with the right password
    assert "_auth_user_id" not in client.session


def test_sessions_expire(user):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    client = Client()
    client.force_login(user)
    assert client.get("/access-log/").status_code in (200, 403)  # logged in
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    store = SessionStore(session_key=key)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert store.load() == {}  # an expired session holds nothing
    response = client.get("/my/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("password", ["12345678", "password", "alice2026", "short"])
def test_weak_passwords_are_rejected(user, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=user)


def test_a_good_password_passes(user):
    validate_password("Hong-shan 坑口 2026!", user=user)
