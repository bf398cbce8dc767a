"""The demo data that ``manage.py load_demo`` loads: a county with a year of history."""
