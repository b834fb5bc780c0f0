"""The provider's signature page: a staff member sets their own (from the account pages),
a clinic admin sets anyone's in the clinic. Superbills print the current one."""

from django.shortcuts import get_object_or_404
from django.urls import reverse

from backend.roles import ADMIN, STAFF_ROLES, staff_for
from backend.views import ServiceFormView
from practice import services
from practice.forms.signatures import ProviderSignatureForm
from practice.models import StaffMember
from practice.selectors import provider_signatures_current


class ProviderSignatureView(ServiceFormView):
    allowed_roles = STAFF_ROLES
    template_name = "practice/provider_signature.html"
    form_class = ProviderSignatureForm
    page_title = "Signature on superbills"

    def dispatch(self, request, *args, **kwargs):
        self.staff_pk = kwargs.get("staff_pk")
        return super().dispatch(request, *args, **kwargs)

    def member(self) -> StaffMember:
        if self.staff_pk is None:
            return staff_for(self.request.user)
        # Another staff member's signature: the clinic's admins only, within the clinic.
        if self.actor.role != ADMIN:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only a clinic admin sets another provider's signature.")
        return get_object_or_404(
            StaffMember.objects.visible_to(self.request.user).select_related("user"),
            pk=self.staff_pk,
        )

    def get(self, request, *args, **kwargs):
        self.target = self.member()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.target = self.member()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return {"signed_name": self.target.user.get_full_name()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = provider_signatures_current(staff_member_ids=[self.target.pk]).get(self.target.pk)
        context.update(
            member=self.target,
            own=self.target.user_id == self.request.user.pk,
            current=current,
            current_image=current.data_url if current else "",
        )
        return context

    def call(self, form):
        return services.provider_signature_set(
            staff_member=self.target,
            set_by=self.request.user,
            drawn=form.cleaned_data["signature"],
            file=form.cleaned_data["file"],
        )

    def get_success_message(self, result) -> str:
        return "The signature is on file: superbills issued from now on carry it."

    def redirect_to(self, result):
        if self.staff_pk is None:
            return reverse("practice:my-signature")
        return reverse("practice:staff-signature", kwargs={"staff_pk": self.staff_pk})
