from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("billing/", views.BillingHomeView.as_view(), name="home"),
    path("billing/runs/<int:pk>/", views.RunView.as_view(), name="run"),
    path("billing/patients/<int:pk>/", views.LedgerView.as_view(), name="ledger"),
    path(
        "billing/superbills/<int:pk>/pdf/", views.SuperbillPdfView.as_view(), name="superbill-pdf"
    ),
    path("billing/estimates/<int:pk>/pdf/", views.EstimatePdfView.as_view(), name="estimate-pdf"),
    path("portal/superbills/", views.PortalSuperbillsView.as_view(), name="portal-superbills"),
    path("portal/payments/", views.PortalPaymentsView.as_view(), name="portal-payments"),
    path("billing/stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
]
