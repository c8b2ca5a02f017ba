"""Writes of the spare-parts app: pages, the API and tasks call these."""

from .consumption import job_parts_consume
from .requests import approval_rule_for, part_request_create, part_request_decide
from .stock import (
    NotEnoughStock,
    ledger_record,
    stock_adjust,
    stock_consume,
    stock_differences,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_return,
)
from .transfers import (
    job_release,
    transfer_cancel,
    transfer_dispatch,
    transfer_plan,
    transfer_receive,
)
from .usage import part_usage_mark_consumed, part_usage_record

__all__ = [
    "NotEnoughStock",
    "approval_rule_for",
    "job_parts_consume",
    "job_release",
    "ledger_record",
    "part_request_create",
    "part_request_decide",
    "part_usage_mark_consumed",
    "part_usage_record",
    "stock_adjust",
    "stock_consume",
    "stock_differences",
    "stock_receive",
    "stock_release",
    "stock_reserve",
    "stock_return",
    "transfer_cancel",
    "transfer_dispatch",
    "transfer_plan",
    "transfer_receive",
]
