"""Demo: secure messages between patients and their care teams (idempotent).

Eleanor asked her therapist about sleep after a session and got an answer, then wrote again
(unread: Today's inbox count shows it); the therapist checked in on Marcus, who has not read
it yet. Written through the thread services, so each message is encrypted, notifications
are queued and read state is kept as in real use.
"""

from messaging.models import Thread
from messaging.services.threads import thread_reply, thread_start


def seed(ctx: dict) -> dict:
    clinic, staff, patients = ctx["clinic"], ctx["staff"], ctx["patients"]
    if Thread.objects.filter(clinic=clinic).exists():
        return ctx
    therapist = staff["therapist"].user
    eleanor, marcus = patients["eleanor"], patients["marcus"]

    sleep = thread_start(
        author=eleanor.user,
        patient=eleanor,
        subject="Sleep after my last session",
        body="I slept badly the two nights after the session, with vivid dreams. "
        "Is that expected, and is there anything I should do before the next one?",
    )
    thread_reply(
        author=therapist,
        thread=sleep,
        body="Thank you for telling me. Restless sleep and vivid dreams for a night or two are "
        "common after a dosing session. Keep the evening quiet, write the dreams down if you "
        "like, and we will look at them together on Thursday.",
    )
    thread_reply(
        author=eleanor.user,
        thread=sleep,
        body="That helps, thank you. I wrote two of them down. See you Thursday.",
    )
    if marcus.user_id:
        thread_start(
            author=therapist,
            patient=marcus,
            subject="Your breathing practice",
            body="Checking in: how is the morning breathing practice going this week?",
        )
    return ctx
