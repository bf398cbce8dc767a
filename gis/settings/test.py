"""pytest settings: fast hashing, plain static storage, no outside network."""

import os

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
# Tests log in with Client.login (no request object); the throttling test turns axes on.
AXES_ENABLED = False

# One test database per pytest process, so that runs side by side (several
# checkouts, or a developer and CI) never drop each other's database.
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": ENV.get("GIS_TEST_DB") or f"test_{DATABASES['default']['NAME']}_{os.getpid()}",  # noqa: F405
}
