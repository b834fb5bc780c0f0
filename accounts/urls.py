from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/2fa/verify/", views.otp_verify, name="otp-verify"),
    path("account/2fa/enrol/", views.otp_enrol, name="otp-enrol"),
    path("account/security/", views.security, name="security"),
    path(
        "account/security/recovery-codes/",
        views.recovery_codes_regenerate,
        name="recovery-codes",
    ),
    path("account/security/2fa/disable/", views.otp_disable, name="otp-disable"),
    path("account/security/tokens/", views.token_create, name="token-create"),
    path("account/security/tokens/<uuid:uid>/revoke/", views.token_revoke, name="token-revoke"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
]
