import pytest

from tickets.extended_warranty.models import ExtendedWarrantyProduct


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def whole_unit_3y(db):
    return ExtendedWarrantyProduct.objects.create(
        code="fridge-3y",
        name_zh_hans="冰箱整机延保3年",
        name_en="Fridge whole unit +3 years",
        price="299.00",
        coverage="whole_unit",
        years=3,
        starts_from="base_end",
        categories=["fridge"],
        max_age_months=11,
    )


@pytest.fixture
def board_from_sale(db):
    return ExtendedWarrantyProduct.objects.create(
        code="fridge-board-1y",
        name_zh_hans="冰箱主板保1年",
        name_en="Fridge main board 1 year",
        price="99.00",
        coverage="components",
        components=["main_board"],
        years=1,
        starts_from="sale",
        categories=["fridge"],
        max_age_months=60,
    )
