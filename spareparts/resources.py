"""Catalogue and price-list import/export (CSV, XLSX) through django-import-export: the
admin shows a preview of what each row changes and the errors per row before anything is
saved. Rows are matched by SKU."""

from import_export import fields, resources, widgets

from .models import Part


class SkuListWidget(widgets.ManyToManyWidget):
    def __init__(self):
        super().__init__(Part, field="sku", separator=",")


class PatternListWidget(widgets.Widget):
    """Compatible model patterns as one cell: "BCD-*, KFR-35GW"."""

    def clean(self, value, row=None, **kwargs):
        if not value:
            return []
        return [p.strip().upper() for p in str(value).split(",") if p.strip()]

    def render(self, value, obj=None, **kwargs):
        return ", ".join(value or [])


class PartResource(resources.ModelResource):
    compatible_models = fields.Field(
        attribute="compatible_models", column_name="compatible_models", widget=PatternListWidget()
    )
    substitutes = fields.Field(
        attribute="substitutes", column_name="substitutes", widget=SkuListWidget()
    )

    class Meta:
        model = Part
        import_id_fields = ["sku"]
        fields = [
            "sku",
            "name",
            "name_en",
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
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True  # choices, lengths, price >= 0: per-row errors


class PriceListResource(resources.ModelResource):
    """Only the prices (and warranty) of existing SKUs: a price list update."""

    class Meta:
        model = Part
        import_id_fields = ["sku"]
        fields = ["sku", "price", "warranty_months"]
        skip_unchanged = True
        clean_model_instances = True

    def get_instance(self, instance_loader, row):
        instance = super().get_instance(instance_loader, row)
        if instance is None:
            from django.core.exceptions import ValidationError
            from django.utils.translation import gettext as _

            raise ValidationError(_("No part with this SKU in the catalogue."))
        return instance
