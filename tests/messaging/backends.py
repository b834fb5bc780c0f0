"""Delivery backends that fail on purpose, for the outbox's error paths."""

from django.core.mail.backends.base import BaseEmailBackend


class BrokenSmtpBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


class SlowOutboxSmsBackend:
    """The outbox SMS backend, but the first send of a message pauses for
    SLOW_SMS_SECONDS so a test can kill the worker in the middle: before the message is
    written (SLOW_SMS_MODE=before) or after it (=after, the crash-after-send window).
    It writes `<reference>.started` with the pid of the process sending."""

    def send(self, *, to, body, reference):
        import os
        import time
        from pathlib import Path

        from django.conf import settings

        from messaging.sms import OutboxSmsBackend

        marker = Path(settings.SMS_OUTBOX_PATH).parent / f"{reference}.started"
        first = not marker.exists()
        if first:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(str(os.getpid()))
        pause = float(os.environ.get("SLOW_SMS_SECONDS", "30")) if first else 0
        if os.environ.get("SLOW_SMS_MODE", "before") == "after":
            message_id = OutboxSmsBackend().send(to=to, body=body, reference=reference)
            time.sleep(pause)
            return message_id
        time.sleep(pause)
        return OutboxSmsBackend().send(to=to, body=body, reference=reference)
