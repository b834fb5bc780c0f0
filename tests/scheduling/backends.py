"""Delivery backends that fail on purpose, for the outbox's error paths."""

from django.core.mail.backends.base import BaseEmailBackend


class BrokenSmtpBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")
