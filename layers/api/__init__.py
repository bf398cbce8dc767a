"""The REST API (Django REST framework + djangorestframework-gis) and the personal API tokens
that authenticate programs (QGIS, GDAL, integrations) as their user."""
