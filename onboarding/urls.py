from django.urls import path

from onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("invite/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("portal/intake/", views.PortalIntakeView.as_view(), name="portal-intake"),
    path(
        "portal/intake/submit/", views.PortalIntakeSubmitView.as_view(), name="portal-intake-submit"
    ),
    path(
        "portal/intake/<str:step>/", views.PortalIntakeStepView.as_view(), name="portal-intake-step"
    ),
    path("intake/", views.IntakeListView.as_view(), name="intake-list"),
    path("intake/<int:pk>/", views.IntakeDetailView.as_view(), name="intake-detail"),
    path("intake/<int:pk>/review/", views.IntakeReviewView.as_view(), name="intake-review"),
    path("patients/<int:pk>/invite/", views.PatientInviteView.as_view(), name="patient-invite"),
]
