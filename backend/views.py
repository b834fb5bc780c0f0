"""The base every web page builds on, and the pages that belong to no single app."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.generic import FormView

from backend.audit import audit_access, audit_records
from backend.errors import DomainError, refusal_from, validation_error_fields
from backend.roles import ADMIN, PATIENT, STAFF_ROLES, actor_for


class RoleRequiredMixin(LoginRequiredMixin):
    """Only the listed roles may open the page; others get 403 (anonymous: the login page)."""

    allowed_roles = STAFF_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.actor = actor_for(request.user)
        if self.actor is None or self.actor.role not in self.allowed_roles:
            raise PermissionDenied("Your role does not allow this page.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # A list page names the rows it shows (its page, already loaded) in the audit.
        shown = context.get("object_list")
        if shown is not None and hasattr(shown, "model"):
            audit_records(shown)
        elif isinstance(shown, list):
            audit_records(o for o in shown if hasattr(o, "_meta"))
        return context


class ScopedObjectMixin(RoleRequiredMixin):
    """For DetailView/UpdateView: the object comes from `visible_to(user)` (else 404) and
    is named in the request's audit row."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        audit_access(obj)
        return obj


class ProgressPageMixin:
    """A page about long work (a run a worker does) that follows it live: the whole page,
    or with `?fragment=1` only its progress block (`progress.html`: "n of N" while it runs,
    then the page's `progress_body` summary), which htmx polls and swaps in until the run
    is done. `get_progress()` returns the run as the reader may see it, or raises
    ObjectDoesNotExist: another clinic's run answers 404."""

    progress_body: str

    def get_progress(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def get_template_names(self):
        if self.request.GET.get("fragment"):
            return ["progress.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            context["progress"] = self.get_progress()
        except ObjectDoesNotExist as exc:
            raise Http404 from exc
        context["progress_body"] = self.progress_body
        return context


class ServiceFormView(RoleRequiredMixin, FormView):
    """A form whose valid input is handed to one service; its refusal is shown on the form.

    Subclasses say `call(form)` (the one service call) and `redirect_to(result)`; the
    success message may depend on the result (`get_success_message`).
    """

    page_title = ""
    intro = ""
    success_message = "Saved."

    def call(self, form):  # pragma: no cover - abstract
        raise NotImplementedError

    def redirect_to(self, result):  # pragma: no cover - abstract
        raise NotImplementedError

    def get_success_message(self, result) -> str:
        return self.success_message

    def form_valid(self, form):
        try:
            result = self.call(form)
        except ValidationError as exc:
            # A model's validation names fields: put each message on its field if the form
            # has it, else at the top.
            for name, field_messages in validation_error_fields(exc).items():
                for message in field_messages:
                    form.add_error(name if name in form.fields else None, message)
            return self.form_invalid(form)
        except DomainError as exc:
            # A rule's refusal reads as one sentence above the form (the page's alert).
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message(result))
        return redirect(self.redirect_to(result))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(page_title=self.page_title, intro=self.intro)
        return context


def refusal_on_form(form, error: DomainError) -> bool:
    """Put a refusal under the form's fields it names (`extra["fields"]`, as `refusal_from`
    and field-naming DomainErrors give); False if it names none of them."""
    named = {
        name: problems
        for name, problems in error.extra.get("fields", {}).items()
        if name in form.fields
    }
    for name, problems in named.items():
        form.add_error(name, problems)
    return bool(named)


def run_service(request, fn, *, success: str | None = None, form=None, **kwargs):
    """Call a service from a view; any refusal (a DomainError, or a model's validation)
    becomes a message on the page, never a server error.

    With `form`, a refusal naming the form's fields goes under those fields instead of into
    a message (re-render the form when `form.errors`). Returns (result, None) on success or
    (None, error) when the rule refused; the error is always a DomainError.
    """
    try:
        result = fn(**kwargs)
    except ValidationError as exc:
        error = refusal_from(exc)
    except DomainError as exc:
        error = exc
    else:
        if success:
            messages.success(request, success)
        return result, None
    if form is None or not refusal_on_form(form, error):
        messages.error(request, error.message)
    return None, error


def home(request):
    """Send each role to its own home page."""
    if not request.user.is_authenticated:
        return redirect("login")
    actor = actor_for(request.user)
    if actor is None:
        if request.user.is_superuser:
            return redirect("admin:index")
        return render(request, "no_role.html", status=403)
    if actor.role == PATIENT:
        return redirect("practice:portal")
    if actor.role == ADMIN:
        return redirect("practice:patient-list")
    return redirect("practice:dashboard")


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (PDFs, JSON): send them to
    the static icon instead of a 404. Not permanent: the static name carries a hash."""
    response = redirect(static("favicon.svg"))
    patch_cache_control(response, max_age=86400, public=True)
    return response
