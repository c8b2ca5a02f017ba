from django.urls import path

from . import api, views

urlpatterns = [
    path("m/jobs/<int:ticket_id>/onsite/parts/", views.parts_used, name="onsite_parts"),
    path("api/v1/parts/requests/", api.PartRequestCreateApi.as_view(), name="api_part_request"),
    path(
        "api/v1/parts/requests/<int:request_id>/decision/",
        api.PartRequestDecisionApi.as_view(),
        name="api_part_request_decision",
    ),
    path("api/v1/parts/stock/", api.StockApi.as_view(), name="api_parts_stock"),
    path("api/v1/parts/locate/", api.LocateApi.as_view(), name="api_parts_locate"),
    path("api/v1/parts/receipts/", api.ReceiptApi.as_view(), name="api_parts_receipt"),
    path(
        "api/v1/parts/transfers/<int:transfer_id>/dispatch/",
        api.TransferDispatchApi.as_view(),
        name="api_transfer_dispatch",
    ),
    path(
        "api/v1/parts/transfers/<int:transfer_id>/receive/",
        api.TransferReceiveApi.as_view(),
        name="api_transfer_receive",
    ),
]
