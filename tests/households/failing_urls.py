"""A URL configuration for tests/households/test_error_pages.py: one view that fails."""

from django.urls import path


def fail(request):
    raise RuntimeError("a bug")


urlpatterns = [path("fail/", fail)]
