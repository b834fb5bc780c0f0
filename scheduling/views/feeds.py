"""Private calendar feeds, and the confirm/cancel page a session reminder links to."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from backend.roles import PATIENT, STAFF_ROLES, staff_for
from backend.views import RoleRequiredMixin, run_service
from scheduling import selectors
from scheduling.choices import ConfirmationStatus
from scheduling.errors import ResponseLinkInvalid
from scheduling.models import CalendarFeed, SessionConfirmation
from scheduling.services import feeds
from scheduling.services.reminders import (
    cancellation_policy,
    cancellation_window_open,
    session_context,
    session_from_link,
    session_respond,
)


class FeedIssueView(RoleRequiredMixin, View):
    """Issue (or replace) the signed-in person's own private calendar URL, or revoke it."""

    allowed_roles = STAFF_ROLES | {PATIENT}

    def post(self, request):
        owner = (
            {"patient": request.user.patient}
            if self.actor.role == PATIENT
            else {"staff": staff_for(request.user)}
        )
        if request.POST.get("action") == "revoke":
            feed = selectors.live_feed(**owner)
            if feed:
                run_service(request, feeds.calendar_feed_revoke, feed=feed)
            messages.success(request, "Your calendar link no longer works.")
        else:
            run_service(
                request,
                feeds.calendar_feed_issue,
                success="Your new calendar link is ready; any previous link stopped working.",
                **owner,
            )
        return redirect(request.POST.get("next") or "home")


def feed_ics(request, token: str):
    """The iCalendar document behind a private feed URL (no login: the token is the key)."""
    feed = CalendarFeed.objects.filter(token=token, revoked_at__isnull=True).first()
    if feed is None:
        raise Http404
    response = HttpResponse(feeds.feed_ical(feed=feed), content_type="text/calendar; charset=utf-8")
    # No Cache-Control here: backend.middleware.NoStoreMiddleware marks every feed no-store.
    response["Content-Disposition"] = 'inline; filename="kap-sessions.ics"'
    return response


def session_response(request, token):
    """The page a session reminder links to: confirm, or cancel outside the clinic's window.
    The signed token is the credential; no login is needed."""
    try:
        session = session_from_link(token=token)
    except ResponseLinkInvalid as error:
        return render(request, "scheduling/response.html", {"error": error.message}, status=400)
    outcome = None
    if request.method == "POST":
        outcome, _ = run_service(
            request, session_respond, token=token, answer=request.POST.get("answer", "")
        )
        session.refresh_from_db()
    context = {
        "session": session,
        "details": session_context(session=session, link=False),
        "clinic": session.patient.clinic,
        "can_cancel": cancellation_window_open(session=session),
        "policy": cancellation_policy(session=session),
        "outcome": outcome,
        "confirmation": SessionConfirmation.objects.filter(session=session).first(),
        "statuses": ConfirmationStatus,
    }
    return render(request, "scheduling/response.html", context)
