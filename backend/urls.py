from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

from accounts.api import TokenObtainView
from accounts.api import register_routes as accounts_routes
from accounts.views import LogoutView
from backend import views
from backend.api import StaffOnly
from backend.audit_views import AuditTrailView
from backend.routers import LayeredRouter
from billing.api import register_routes as billing_routes
from controlled.api import register_routes as controlled_routes
from integration_notes.api import register_routes as notes_routes
from messaging.api import register_routes as messaging_routes
from onboarding.api import register_routes as onboarding_routes
from onboarding.api import urlpatterns as onboarding_api
from practice.api import register_routes as practice_routes
from records.api import urlpatterns as records_api
from scheduling.api import register_routes as scheduling_routes

router = LayeredRouter()
for register in (
    practice_routes,
    controlled_routes,
    messaging_routes,
    scheduling_routes,
    notes_routes,
    onboarding_routes,
    billing_routes,
    accounts_routes,
):
    register(router)

api_patterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    *records_api,
    *onboarding_api,
    *router.urls,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("audit/", AuditTrailView.as_view(), name="audit-trail"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_patterns, "api"), namespace="api")),
    # The schema and its docs: signed-in staff only. The split view serves Swagger UI's
    # start-up script as a file (no inline script) and its assets from static files, so the
    # docs page lives under the same strict CSP as every other page.
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated, StaffOnly]),
        name="schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema",
            template_name="api_docs.html",
            permission_classes=[IsAuthenticated, StaffOnly],
        ),
        name="api-docs",
    ),
    path("", include("practice.urls")),
    path("", include("controlled.urls")),
    path("", include("messaging.urls")),
    path("", include("scheduling.urls")),
    path("", include("integration_notes.urls")),
    path("", include("billing.urls")),
    path("", include("accounts.urls")),
    path("", include("onboarding.urls")),
    path("", include("records.urls")),
]
