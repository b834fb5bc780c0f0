"""The clinic admin's working-hour exceptions: time off and extra hours of the clinic's
clinicians, listed, added, changed and removed (with a confirmation). Another clinic's
exception answers 404."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.generic import TemplateView

from backend.scoping import get_visible_or_404
from backend.views import RoleRequiredMixin, ServiceFormView, run_service
from scheduling import selectors
from scheduling.forms import AvailabilityExceptionForm
from scheduling.models import AvailabilityException
from scheduling.services import availability
from scheduling.views._common import ADMIN_ONLY, clinic_of

LIST_URL = reverse_lazy("scheduling:exception-list")


class ExceptionListView(RoleRequiredMixin, TemplateView):
    """Upcoming and recent exceptions (from 30 days back), soonest first."""

    allowed_roles = ADMIN_ONLY
    template_name = "scheduling/exception_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        clinic = clinic_of(self.actor)
        context.update(
            clinic=clinic,
            exceptions=selectors.availability_exception_list(
                user=self.request.user, since=clinic.today() - dt.timedelta(days=30)
            ),
        )
        return context


class ExceptionFormView(ServiceFormView):
    """Add an exception, or (with a pk) change one of the admin's clinic."""

    allowed_roles = ADMIN_ONLY
    template_name = "scheduling/exception_form.html"
    form_class = AvailabilityExceptionForm

    def get_exception(self) -> AvailabilityException | None:
        if "pk" not in self.kwargs:
            return None
        return get_visible_or_404(
            AvailabilityException, user=self.request.user, pk=self.kwargs["pk"]
        )

    def dispatch(self, request, *args, **kwargs):
        self.exception = None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        self.exception = self.get_exception()
        kwargs = {**super().get_form_kwargs(), "clinic": clinic_of(self.actor)}
        if self.exception is not None and self.request.method == "GET":
            e = self.exception
            kwargs["initial"] = {
                "clinician": e.clinician_id,
                "kind": e.kind,
                "starts_on": e.starts_on,
                "ends_on": e.ends_on,
                "start_time": e.start_time,
                "end_time": e.end_time,
                "reason": e.reason,
            }
        return kwargs

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "exception": self.exception}

    def call(self, form):
        if self.exception is not None:
            return availability.availability_exception_update(
                exception=self.exception, **form.cleaned_data
            )
        return availability.availability_exception_add(**form.cleaned_data)

    def get_success_message(self, result) -> str:
        return "Exception saved." if self.exception else "Exception added."

    def redirect_to(self, result):
        return LIST_URL


class ExceptionDeleteView(RoleRequiredMixin, TemplateView):
    """GET asks to confirm; POST removes the exception."""

    allowed_roles = ADMIN_ONLY
    template_name = "scheduling/exception_confirm_delete.html"

    def get_exception(self) -> AvailabilityException:
        return get_visible_or_404(
            AvailabilityException.objects.select_related("clinician__user"),
            user=self.request.user,
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "exception": self.get_exception()}

    def post(self, request, pk):
        exception = self.get_exception()
        _, error = run_service(
            request, availability.availability_exception_delete, exception=exception
        )
        if error is None:
            messages.success(request, "Exception removed; the regular hours apply again.")
        return redirect(LIST_URL)
