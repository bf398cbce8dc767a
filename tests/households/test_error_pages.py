"""The project's 404 and 500 pages, in Chinese by default. Django renders 500.html with no
request context; it must render with no database either (the failure may be the database)."""

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

SERVER_ERROR_ZH = "服务器错误"  # the zh-hans translation of the page's title


def test_404_is_the_project_page_in_chinese(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    with translation.override("zh-hans"):
        assert translation.gettext("Not found") in html
    assert "Not found" not in html


def test_500_renders_without_request_context_or_database():
    """No django_db mark: any query here fails the test."""
    with translation.override("zh-hans"):
        response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert SERVER_ERROR_ZH in html and '<html lang="zh-hans">' in html
    assert 'href="/static/gis/app.css"' in html  # the project's stylesheet, no CDN


@pytest.mark.urls("tests.households.failing_urls")
def test_a_failing_view_answers_the_chinese_500_page(db):
    response = Client(raise_request_exception=False).get("/fail/")
    assert response.status_code == 500
    html = response.content.decode()
    assert SERVER_ERROR_ZH in html and "Traceback" not in html and "a bug" not in html
