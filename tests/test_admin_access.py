"""The admin matches the product: its own name in the user's language, and supervisors reach
the master data they maintain (engineers, service points, parts) and read the outbox."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/engineers/engineer/",
        "/admin/engineers/servicepoint/",
        "/admin/spareparts/part/",
        "/admin/engineers/engineer/add/",
        "/admin/spareparts/part/add/",
    ],
)
def test_supervisors_maintain_the_network_and_catalogue(client, supervisor, url):
    client.force_login(supervisor)
    assert client.get(url).status_code == 200


def test_supervisors_read_the_outbox_but_cannot_write_it(client, supervisor):
    client.force_login(supervisor)
    assert client.get("/admin/tickets/outboundmessage/").status_code == 200
    assert client.get("/admin/tickets/outboundmessage/add/").status_code == 403
    assert client.get("/admin/spareparts/partusage/").status_code == 200


@pytest.mark.parametrize(
    "language, header", [("en", "Service dispatch administration"), ("zh-hans", "售后派工系统管理")]
)
def test_the_admin_carries_the_products_name(client, supervisor, language, header):
    client.force_login(supervisor)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language)
    assert header in page.content.decode()
    assert "Django" not in page.content.decode().split("<body", 1)[1][:4000]
