from django.urls import path

from . import api, views_desk

urlpatterns = [
    path("parts/", views_desk.desk, name="parts_desk"),
    path("parts/returns/", views_desk.desk_return, name="parts_desk_return"),
    path("parts/replenish/<int:stock_id>/", views_desk.desk_replenish, name="parts_replenish"),
    path("parts/requests/<int:request_id>/decide/", views_desk.desk_decide, name="parts_decide"),
    path(
        "parts/transfers/<int:transfer_id>/dispatch/",
        views_desk.desk_dispatch,
        name="parts_dispatch",
    ),
    path(
        "parts/transfers/<int:transfer_id>/receive/",
        views_desk.desk_receive,
        name="parts_receive",
    ),
    path("parts/jobs/<int:ticket_id>/release/", views_desk.desk_release, name="parts_release"),
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
