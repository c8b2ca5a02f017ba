from decimal import Decimal

import tablib

from spareparts.models import Part
from spareparts.resources import PartResource, PriceListResource
from tests.factories import UserFactory

HEADERS = [
    "sku",
    "name",
    "category",
    "compatible_models",
    "is_original",
    "price",
    "warranty_months",
    "tracking",
    "supplier",
    "substitutes",
    "active",
]


def dataset(*rows):
    return tablib.Dataset(*rows, headers=HEADERS)


def test_catalogue_import_previews_changes_and_reports_bad_rows(db):
    data = dataset(
        [
            "NEW-01",
            "New thermostat",
            "fridge",
            "bcd-*, BCD-216STPT",
            "0",
            "39.50",
            "6",
            "batch",
            "Acme",
            "HR-FR-TH01",
            "1",
        ],
        [
            "HR-FR-TH01",
            "冰箱温控器 Thermostat",
            "fridge",
            "BCD-*",
            "1",
            "70.00",
            "12",
            "batch",
            "Haier",
            "",
            "1",
        ],
        ["BAD-01", "Broken row", "spaceship", "", "1", "-5", "12", "batch", "", "", "1"],
    )
    preview = PartResource().import_data(data, dry_run=True)
    assert preview.has_validation_errors()
    bad = preview.invalid_rows[0]
    assert bad.number == 3 and {"category", "price"} <= set(bad.field_specific_errors)
    assert not Part.objects.filter(sku="NEW-01").exists()  # a preview saves nothing
    # Without the bad row it imports: a new SKU (substituting the original) and a new price.
    result = PartResource().import_data(dataset(data[0], data[1]), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    new = Part.objects.get(sku="NEW-01")
    assert new.compatible_models == ["BCD-*", "BCD-216STPT"] and not new.is_original
    assert list(new.substitutes.values_list("sku", flat=True)) == ["HR-FR-TH01"]
    assert Part.objects.get(sku="HR-FR-TH01").price == Decimal("70.00")
    exported = PartResource().export(queryset=Part.objects.filter(sku="NEW-01"))
    assert exported.dict[0]["compatible_models"] == "BCD-*, BCD-216STPT"


def test_price_list_updates_only_known_skus(db):
    data = tablib.Dataset(
        ["HR-FR-SEAL", "95.00", "12"],
        ["NOPE-1", "1.00", "1"],
        headers=["sku", "price", "warranty_months"],
    )
    result = PriceListResource().import_data(data, dry_run=True)
    assert result.has_errors() or result.has_validation_errors()
    assert not Part.objects.filter(sku="NOPE-1").exists()


def test_admin_offers_the_import_page(client, db):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get("/admin/spareparts/part/import/")
    assert response.status_code == 200
    assert "xlsx" in response.content.decode().lower()


def test_a_catalogue_change_reaches_the_cached_part_at_once(thermostat):
    """Part requests read the catalogue from the per-process cache; a price change or a
    withdrawn part must not wait for a restart."""
    from spareparts.selectors import part_get_by_sku

    assert part_get_by_sku("hr-fr-th01").price == Decimal("68.00")
    Part.objects.filter(pk=thermostat.pk).update(price=Decimal("71.50"))
    assert part_get_by_sku("HR-FR-TH01").price == Decimal("71.50")
    Part.objects.filter(pk=thermostat.pk).update(active=False)
    assert part_get_by_sku("HR-FR-TH01") is None
