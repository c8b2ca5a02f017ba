"""Spare parts live in the spareparts app, which builds on tickets; tickets never imports it.
spareparts fills this registry at start-up (AppConfig.ready) so the service report can list
the parts used without importing their models."""

from collections.abc import Callable

_parts_providers: list[Callable[..., list[dict]]] = []


def register_parts_provider(provider: Callable[..., list[dict]]) -> None:
    """`provider(*, ticket) -> [{"sku", "name", "serial", "original", "warranty_months",
    "old_serial", "unit_price", "quantity"}]`."""
    if provider not in _parts_providers:
        _parts_providers.append(provider)


def parts_for_ticket(*, ticket) -> list[dict]:
    rows: list[dict] = []
    for provider in _parts_providers:
        rows.extend(provider(ticket=ticket))
    return rows
