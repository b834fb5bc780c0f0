from django.urls import path

from controlled import views

app_name = "controlled"

urlpatterns = [
    path("controlled/", views.StockView.as_view(), name="stock"),
    path("controlled/products/new/", views.ProductCreateView.as_view(), name="product-create"),
    path("controlled/registration/", views.RegistrationView.as_view(), name="registration"),
    path("controlled/lots/new/", views.LotReceiveView.as_view(), name="lot-receive"),
    path("controlled/lots/<int:pk>/", views.LotDetailView.as_view(), name="lot-detail"),
    path(
        "controlled/lots/<int:pk>/record/<str:kind>/",
        views.EntryRecordView.as_view(),
        name="entry-record",
    ),
    path("controlled/lots/<int:pk>/count/", views.CountRecordView.as_view(), name="count-record"),
    path(
        "controlled/entries/<int:pk>/reverse/",
        views.EntryReverseView.as_view(),
        name="entry-reverse",
    ),
    path(
        "controlled/dosing/<int:dosing_pk>/waste/",
        views.WasteForDoseView.as_view(),
        name="dosing-waste",
    ),
    path(
        "controlled/notices/<int:pk>/acknowledge/",
        views.NoticeAcknowledgeView.as_view(),
        name="notice-acknowledge",
    ),
    path("controlled/counts/", views.CountListView.as_view(), name="count-list"),
    path("controlled/counts/<int:pk>/", views.CountDetailView.as_view(), name="count-detail"),
    path("controlled/inventories/", views.InventoryListView.as_view(), name="inventory-list"),
    path(
        "controlled/inventories/new/", views.InventoryCreateView.as_view(), name="inventory-create"
    ),
    path(
        "controlled/inventories/<int:pk>/",
        views.InventoryDetailView.as_view(),
        name="inventory-detail",
    ),
    path(
        "controlled/inventories/<int:pk>/<str:fmt>/",
        views.InventoryFileView.as_view(),
        name="inventory-file",
    ),
    path("controlled/reports/", views.ReportsView.as_view(), name="reports"),
]
