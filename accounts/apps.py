from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    label = "accounts"
    verbose_name = "Accounts and sign-in security"

    def ready(self):
        # Not a cycle: receivers need the models, which load once the registry is ready.
        from accounts import receivers, schema  # noqa: F401


class OTPAdminConfig(admin_apps.AdminConfig):
    """Django's admin whose default site asks for the second factor (django-otp)."""

    default = False
    default_site = "accounts.admin_site.AdminSite"
