from .catalogue import Part, PartUsage, Tracking
from .locations import Location, LocationKind, TransferRoute
from .requests import (
    ApprovalRule,
    Decision,
    PartRequest,
    Purpose,
    SourceReason,
    Transfer,
    WarrantyScope,
)
from .returns import RETURN_DAYS, OldPartReturn
from .stock import AdjustReason, Alert, LedgerEntry, LedgerKind, SerialUnit, Stock

__all__ = [
    "RETURN_DAYS",
    "AdjustReason",
    "Alert",
    "ApprovalRule",
    "Decision",
    "LedgerEntry",
    "LedgerKind",
    "Location",
    "OldPartReturn",
    "LocationKind",
    "Part",
    "PartRequest",
    "PartUsage",
    "Purpose",
    "SerialUnit",
    "SourceReason",
    "Stock",
    "Tracking",
    "Transfer",
    "TransferRoute",
    "WarrantyScope",
]
