"""Sign-in security pages: the code after the password, enrolment, the account's security
page (second factor, recovery codes, API tokens), password change and sign-out."""

import base64
import functools

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import selectors, services
from accounts.choices import SecurityEventKind
from accounts.errors import DomainError
from accounts.forms import CodeForm, TokenCreateForm
from accounts.sessionkeys import OTP_ENROLLED
from backend.views import run_service


def _next_url(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse_lazy(default)


def _is_verified(user) -> bool:
    return bool(getattr(user, "is_verified", None) and user.is_verified())


@login_required
def otp_verify(request):
    """The second step of signing in: a code from the app or a recovery code."""
    user = request.user
    if _is_verified(user):
        return redirect(_next_url(request))
    if not selectors.otp_enrolled(user):
        if selectors.otp_mandatory(user):
            return redirect("accounts:otp-enrol")
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.otp_verify(
                user=user, token=form.cleaned_data["code"], request=request
            )
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            otp_login(request, device)
            request.session[OTP_ENROLLED] = True
            services.security_event_record(
                kind=SecurityEventKind.OTP_VERIFIED, user=user, request=request
            )
            if device.__class__.__name__ == "StaticDevice":
                left = selectors.recovery_codes_left(user=user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. Set up your "
                    "authenticator again or make new codes on your security page.",
                )
            return redirect(_next_url(request))
    return render(
        request, "accounts/otp_verify.html", {"form": form, "next": request.GET.get("next", "")}
    )


@login_required
def otp_enrol(request):
    """Set up an authenticator app: a QR code (and the secret as text), confirmed with a
    first code; then the recovery codes, shown once. Someone who already has a second factor
    must use it before replacing it."""
    user = request.user
    if selectors.otp_enrolled(user) and not _is_verified(user):
        return redirect("accounts:otp-verify")
    device = services.totp_device_pending(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.otp_enrol_confirm(
                user=user, device=device, token=form.cleaned_data["code"], request=request
            )
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            device.refresh_from_db()
            otp_login(request, device)
            request.session[OTP_ENROLLED] = True
            # A new second factor: any other session (signed in without it) ends.
            services.sessions_end(user=user, keep_session_key=request.session.session_key)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "first_time": True},
            )
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    qr = segno.make(device.config_url, error="m").svg_inline(
        scale=5, title="QR code to scan with an authenticator app"
    )
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr_svg": qr,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "mandatory": selectors.otp_mandatory(user),
            "next": request.GET.get("next", ""),
        },
    )


@login_required
def security(request):
    """The account's security page: second factor, recovery codes, API tokens, password."""
    user = request.user
    own_tokens = selectors.api_token_list(user=user).filter(user=user)
    return render(
        request,
        "accounts/security.html",
        {
            "enrolled": selectors.otp_enrolled(user),
            "mandatory": selectors.otp_mandatory(user),
            "codes_left": selectors.recovery_codes_left(user=user),
            "tokens": own_tokens,
            "token_form": TokenCreateForm(),
        },
    )


@login_required
@require_POST
def recovery_codes_regenerate(request):
    if not selectors.otp_enrolled(request.user):
        messages.error(request, "Set up two-factor authentication first.")
        return redirect("accounts:security")
    codes = services.recovery_codes_regenerate(user=request.user, request=request)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": reverse_lazy("accounts:security"), "first_time": False},
    )


@login_required
@require_POST
def otp_disable(request):
    _, error = run_service(
        request,
        functools.partial(services.otp_disable, request=request),
        success="Two-factor authentication is off.",
        user=request.user,
    )
    if error is None:
        request.session[OTP_ENROLLED] = False
    return redirect("accounts:security")


@login_required
@require_POST
def token_create(request):
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A token's name is at most 100 characters.")
        return redirect("accounts:security")
    token, raw = services.api_token_create(
        user=request.user, name=form.cleaned_data["name"], request=request
    )
    return render(request, "accounts/token_created.html", {"token": token, "raw": raw})


@login_required
@require_POST
def token_revoke(request, uid):
    token = get_object_or_404(selectors.api_token_list(user=request.user), uid=uid)
    services.api_token_revoke(token=token, by=request.user, request=request)
    messages.success(request, "Token revoked.")
    return redirect("accounts:security")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (this session stays signed in); every other session ends and
    every API token is revoked."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(
            user=self.request.user,
            request=self.request,
            keep_session_key=self.request.session.session_key,
        )
        messages.success(self.request, "Password changed. Your other sessions were signed out.")
        return response


class LogoutView(auth_views.LogoutView):
    """Signing out ends every session of the user and revokes every API token."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.user_sign_out_everywhere(user=request.user, request=request)
        return super().post(request, *args, **kwargs)
