from django.urls import path

from . import views

urlpatterns = [
    path(
        "extended-warranty/appliances/<int:appliance_id>/sell/",
        views.sell,
        name="extended_warranty_sell",
    ),
    path(
        "extended-warranty/contracts/<int:contract_id>/",
        views.contract_page,
        name="extended_warranty_contract",
    ),
]
