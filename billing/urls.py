from django.urls import path

from billing.views import claims, desk

app_name = "billing"

urlpatterns = [
    path("billing/", desk.BillingHomeView.as_view(), name="home"),
    path("billing/runs/<int:pk>/", desk.RunView.as_view(), name="run"),
    path("billing/patients/<int:pk>/", desk.LedgerView.as_view(), name="ledger"),
    path(
        "billing/patients/<int:pk>/claims/new/",
        claims.ClaimCreateView.as_view(),
        name="claim-create",
    ),
    path("billing/claims/", claims.ClaimListView.as_view(), name="claims"),
    path("billing/claims/batch/", claims.ClaimBatchView.as_view(), name="claim-batch"),
    path(
        "billing/claims/batches/<int:pk>/",
        claims.ClaimBatchFileView.as_view(),
        name="claim-batch-file",
    ),
    path("billing/claims/<int:pk>/", claims.ClaimDetailView.as_view(), name="claim"),
    path(
        "billing/claims/<int:pk>/cms1500/",
        claims.ClaimCms1500View.as_view(),
        name="claim-cms1500",
    ),
    path(
        "billing/remittances/new/",
        claims.RemittanceUploadView.as_view(),
        name="remittance-upload",
    ),
    path("billing/remittances/<int:pk>/", claims.RemittanceView.as_view(), name="remittance"),
    path("billing/superbills/<int:pk>/pdf/", desk.SuperbillPdfView.as_view(), name="superbill-pdf"),
    path("billing/estimates/<int:pk>/pdf/", desk.EstimatePdfView.as_view(), name="estimate-pdf"),
    path("portal/superbills/", desk.PortalSuperbillsView.as_view(), name="portal-superbills"),
    path("portal/payments/", desk.PortalPaymentsView.as_view(), name="portal-payments"),
    path("billing/stripe/webhook/", desk.stripe_webhook, name="stripe-webhook"),
]
