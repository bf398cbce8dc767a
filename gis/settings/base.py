"""Settings shared by every environment.

The environment is read once, here: DATABASE_URL (or the libpq PG* variables),
DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS, the county extent and the
basemap settings. dev.py and test.py only override.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
ENV = os.environ


def _env_bool(name: str, default: bool) -> bool:
    return ENV.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _env_floats(name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    raw = ENV.get(name)
    if not raw:
        return default
    return tuple(float(part) for part in raw.split(","))


def _database() -> dict:
    url = ENV.get("DATABASE_URL")
    if not url:
        # libpq variables, defaulting to the local server these machines run
        url = "postgis://{user}@{host}:{port}/{name}".format(
            user=ENV.get("PGUSER", "postgres"),
            host=ENV.get("PGHOST", "127.0.0.1"),
            port=ENV.get("PGPORT", "5432"),
            name=ENV.get("PGDATABASE", "gridgis"),
        )
    db = dj_database_url.parse(url, conn_max_age=60)
    db["ENGINE"] = "django.contrib.gis.db.backends.postgis"
    # No JIT compilation: PostGIS functions carry high cost estimates, so a map layer of a
    # few thousand rows crosses jit_above_cost and spends ~280 ms compiling a 70 ms query
    # (bench/incident_bench.py measured it). The site runs short queries only.
    db.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    return db


SECRET_KEY = ENV.get("DJANGO_SECRET_KEY", "insecure-dev-key-change-me")
DEBUG = _env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in ENV.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "leaflet",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as static files
    "axes",
    "procrastinate.contrib.django",  # the job queue; before the apps whose tasks.py it reads
    "households",
    "grids",
    "layers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gis.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "gis.middleware.PasswordChangeRequiredMiddleware",
]

ROOT_URLCONF = "gis.urls"
WSGI_APPLICATION = "gis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gis" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gis.context_processors.access",
            ],
        },
    }
]

DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Repeated failed logins are throttled by django-axes (a maintained library rather
# than a hand-written counter): 5 failures for one user name from one address lock
# it out for 15 minutes.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Sessions end after 8 working hours, or when the browser closes
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Staff accounts (households.accounts) bound to a grid ask the grids app for a village's grids
# and their member areas (households imports no other app: this setting wires them)
ACCOUNTS_VILLAGE_GRIDS = "grids.selectors.village_grids"
# Failed logins are kept (not only counted until the next success) for the account pages
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False  # no "AXES: BEGIN ..." line on every command and worker start
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "gis" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "gis" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(ENV.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
# Uploads waiting for confirmation (upload -> validation report -> confirm)
IMPORT_UPLOAD_DIR = MEDIA_ROOT / "imports"
# They hold ID numbers and phones: an upload never confirmed is deleted after this (the
# periodic job "uploads_purge", households/tasks.py), and so is a queued import's report.
IMPORT_UPLOAD_MAX_HOURS = 24
# A confirmed import of more rows runs on the job queue, its page showing progress; smaller
# ones answer within the request. 200,000 rows import in 2.8-7.1 s (README, Benchmarks), so
# an import under this takes well under a second.
IMPORT_QUEUE_ROWS = 20_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SILENCED_SYSTEM_CHECKS = ["gis.W001"]  # GDAL-version notice only; nothing else is silenced

# --- Geography -------------------------------------------------------------
# Storage SRID: WGS84. CGCS2000 (EPSG:4490) differs by centimetres.
STORAGE_SRID = 4326
# County extent (min lon, min lat, max lon, max lat): imports outside it are
# rejected. Default: the synthetic demo county in southern Jiangxi.
COUNTY_EXTENT = _env_floats("GIS_COUNTY_EXTENT", (114.8, 25.4, 116.4, 26.7))
COUNTY_CODE = ENV.get("GIS_COUNTY_CODE", "360721")
COUNTY_NAME = ENV.get("GIS_COUNTY_NAME", "示范县")

# --- Overlays (cameras, service points, uploaded layers) ---------------------
# A candidate site for a new camera is judged as a dome camera seeing this far all round
# (雪亮工程 rural cameras identify people at 30-80 m and vehicles at 100-200 m).
OVERLAY_NEW_CAMERA_RANGE_M = float(ENV.get("GIS_NEW_CAMERA_RANGE_M", "80"))
# Service reach: a household farther than this (km, straight line) from every service point
# of a kind is out of its reach. Defaults from common county targets: a party-mass centre
# and a mediation room in every administrative village (~2 km), elderly care within a
# 15-minute walk (~1 km), a legal adviser and a police assistant per few villages.
OVERLAY_SERVICE_REACH_KM = {
    "party_centre": 2.0,
    "legal_adviser": 5.0,
    "mediation": 2.0,
    "police": 3.0,
    "elderly": 1.0,
}

# --- Basemaps ---------------------------------------------------------------
# The map works with no basemap reachable: data layers are drawn on a blank
# background and the basemap is only an option in the layer switcher.
TIANDITU_KEY = ENV.get("GIS_TIANDITU_KEY", "")
# A county's own raster tiles in one MBTiles file (SQLite), served by the site itself at
# /basemap/<z>/<x>/<y> (gis/basemap.py): the basemap of a county with no Internet access.
GIS_MBTILES_PATH = ENV.get("GIS_MBTILES_PATH", "")
GIS_BASEMAP = ENV.get(
    "GIS_BASEMAP", "local" if GIS_MBTILES_PATH else "tianditu" if TIANDITU_KEY else "osm"
)
OSM_TILE_URL = ENV.get("GIS_OSM_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")

_center = ((COUNTY_EXTENT[1] + COUNTY_EXTENT[3]) / 2, (COUNTY_EXTENT[0] + COUNTY_EXTENT[2]) / 2)
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": _center,
    "DEFAULT_ZOOM": 11,
    "MIN_ZOOM": 5,
    "MAX_ZOOM": 19,
    "TILES": [],  # basemaps are added by our own script from the settings above
    "ATTRIBUTION_PREFIX": "",
    "RESET_VIEW": False,
    "SCALE": "metric",
}

# --- Caches -------------------------------------------------------------------
# Files under GIS_CACHE_DIR, shared by the web server's processes and the job queue's
# workers on one machine, so no new service: "default" holds the data stamps
# (households/stamps.py), "tiles" the vector tiles per scope (layers/tiles/cache.py).
# Django's file cache lists its folder on every write once it holds MAX_ENTRIES: 20,000
# tiles (about 30 MB at the demo county's 1-2 KB a tile) keep that listing under 10 ms.
CACHE_DIR = Path(ENV.get("GIS_CACHE_DIR", BASE_DIR / ".cache"))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": CACHE_DIR / "default",
    },
    "tiles": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": CACHE_DIR / "tiles",
        # a tile is kept a day at most: writes outside the services (the Django admin) do
        # not change the stamps, and show on the maps by the next day
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
}

# --- Background jobs ----------------------------------------------------------
# One queue for the whole site: procrastinate, whose queue is a table of this PostgreSQL
# database (Django migrations create it), run by `manage.py procrastinate worker` (one or
# more processes, any machine that reaches the database). Tasks are declared in each app's
# tasks.py (found by procrastinate's autodiscovery); gis/tasks.py holds the queue's own
# periodic jobs. A worker writes a heartbeat every JOBS_HEARTBEAT_SECONDS; one silent for
# JOBS_STALLED_SECONDS is dead, and the periodic "retry stalled" job (every 10 s) gives its
# jobs to a live worker: 30 + 10 + one fetch (listen/notify, at worst the 5 s poll) is
# under a minute. 10 s and 30 s are procrastinate's own defaults.
JOBS_HEARTBEAT_SECONDS = 10.0
JOBS_STALLED_SECONDS = 30.0
JOBS_POLL_SECONDS = 5.0  # procrastinate's default; listen/notify usually wakes a worker first
# Jobs one worker runs at once: 2, so that a long partition run never keeps the periodic jobs
# (retry stalled above all) waiting; sync jobs run in threads of the worker.
JOBS_CONCURRENCY = 2
# Periodic jobs: name -> cron (5 fields, or 6 with seconds last). Each name is a task in some
# app's tasks.py; the next ones (incident deadlines every minute, exports, tile warming)
# add a line here and a task there.
JOBS_CRON = {
    "retry_stalled": "* * * * * */10",
    "partition_runs_expire": "* * * * *",
    "uploads_purge": "7 * * * *",  # hourly: unconfirmed uploads live at most 24 h + 1 h
    "jobs_prune": "23 3 * * *",  # daily, at night
    "incidents_deadlines": "* * * * *",  # incidents past their deadline climb a tier
    # the county's dashboard computed anew (its answers are kept ten minutes)
    "coverage_warm": "*/5 * * * *",
    "civility_openings": "*/5 * * * *",  # imported 文明积分 become opening ledger entries
}
JOBS_KEEP_DAYS = 2  # finished jobs kept this long in the queue's tables (admin, diagnosis)
PROCRASTINATE_IMPORT_PATHS = ["gis.tasks"]
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": JOBS_HEARTBEAT_SECONDS,
    "stalled_worker_timeout": JOBS_STALLED_SECONDS,
    "fetch_job_polling_interval": JOBS_POLL_SECONDS,
    "concurrency": JOBS_CONCURRENCY,
}

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The OpenAPI schema of the REST and OGC APIs (/api/schema/), read by signed-in users and
# API tokens; Swagger UI (/api/docs/) and Redoc (/api/redoc/) from the site's static files.
SPECTACULAR_SETTINGS = {
    "TITLE": "Grid management GIS API",
    "DESCRIPTION": "REST API (/api/v1/) and OGC API - Features (/ogc/) of the grid-management "
    "GIS. Authenticate with the session or a personal API token: Authorization: Token <key>.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_AUTHENTICATION": [
        "layers.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"quiet_periodic": {"()": "gis.logfilters.QuietPeriodicJobs"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["quiet_periodic"]},
    },
    "root": {"handlers": ["console"], "level": ENV.get("DJANGO_LOG_LEVEL", "INFO")},
    # the queue's start-up chatter (tasks registered) and a line per periodic job deferred;
    # the worker still logs every job it starts and ends, but for the periodic housekeeping
    # jobs that succeed (gis.logfilters)
    "loggers": {
        name: {"level": "WARNING"}
        for name in ("procrastinate.blueprints", "procrastinate.periodic")
    },
}
