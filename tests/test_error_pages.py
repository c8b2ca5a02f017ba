"""Errors never strand a user: 403, 404, 500 and an expired form answer in the product's look,
in the user's language, with a way back to the start page."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language, title", [("en", "Page not found"), ("zh-hans", "页面不存在")])
def test_a_missing_page_says_so_in_the_users_language(client, agent, language, title):
    client.force_login(agent)
    page = client.get("/tickets/999999999/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 404
    text = page.content.decode()
    assert title in text
    assert 'class="topbar"' in text and 'href="/"' in text
    other = "页面不存在" if language == "en" else "Page not found"
    assert other not in text


def test_a_page_the_role_may_not_open_says_why(client, agent):
    client.force_login(agent)
    page = client.get("/board/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 403
    assert "Not allowed" in page.content.decode() and "ask a supervisor" in page.content.decode()


def test_an_expired_form_says_nothing_was_saved(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    page = client.post("/console/", {"q": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 403
    text = page.content.decode()
    assert "The form has expired" in text and "Nothing was saved" in text


def test_a_server_error_keeps_the_products_look(settings, agent):
    settings.ROOT_URLCONF = "tests.error_urls"
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    page = client.get("/test-broken/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 500
    text = page.content.decode()
    assert "出错了" in text and 'href="/"' in text


def test_a_logged_out_visitor_gets_the_same_pages(client):
    page = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 404 and "Page not found" in page.content.decode()
