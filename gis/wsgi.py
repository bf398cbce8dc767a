import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings.dev")
application = get_wsgi_application()

# What start-up built (modules, settings, URL patterns, models) lives as long as the process:
# moved out of the collector's generations, a full collection triggered while a request
# builds thousands of feature dicts stays short (a township's incident map, 90 days: p95
# 168 -> 52 ms in bench/incident_bench.py, median unchanged).
gc.freeze()
