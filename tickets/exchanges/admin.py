"""The 三包 rules are master data a supervisor edits; proposals change only through the
pages (services keep the ticket's events and the appliance records in step)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tickets.onsite.admin import ReadOnlyAdmin

from .models import ExchangeProposal, ReturnRule


@admin.register(ReturnRule)
class ReturnRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "shown_name", "kind", "condition", "max_days", "repairs_before"]
    list_filter = ["kind", "active"]

    @admin.display(description=_("name"), ordering="name_zh_hans")
    def shown_name(self, obj):
        return obj.name


@admin.register(ExchangeProposal)
class ExchangeProposalAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "rule", "state", "proposed_at", "decided_at"]
    list_filter = ["state", "kind"]
