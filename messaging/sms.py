"""Text messages through a small pluggable backend, chosen by `settings.SMS_BACKEND`.

- `OutboxSmsBackend` (default): writes each message as a JSON file under
  `settings.SMS_OUTBOX_PATH` (`var/outbox/sms` in `make run`).
- `LocmemSmsBackend`: keeps messages in `messaging.sms.outbox` (tests).
- `RestSmsBackend`: the common REST messaging API (form-encoded POST to
  `{base}/2010-04-01/Accounts/{sid}/Messages.json`, basic auth), configured by
  `SMS_REST_BASE_URL`, `SMS_REST_ACCOUNT_SID`, `SMS_REST_AUTH_TOKEN`, `SMS_REST_FROM`.

A backend's `send` returns the provider's message id, raises `TransientSmsError` when
trying again later may succeed (timeouts, 429, 5xx) and `PermanentSmsError` when it
cannot (an invalid number, a rejected request).
"""

import json
import uuid
from pathlib import Path

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    pass


class TransientSmsError(SmsError):
    """Sending may succeed later."""


class PermanentSmsError(SmsError):
    """Sending this message will never succeed as it is."""


class BaseSmsBackend:
    def send(self, *, to: str, body: str, reference: str) -> str:
        """Send `body` to the E.164 number `to`; return the provider's message id."""
        raise NotImplementedError


class OutboxSmsBackend(BaseSmsBackend):
    """Writes each message to a JSON file, one file per send (a repeat shows as two files)."""

    def send(self, *, to: str, body: str, reference: str) -> str:
        folder = Path(settings.SMS_OUTBOX_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        message_id = uuid.uuid4().hex
        now = timezone.now()
        path = folder / f"{now:%Y%m%d-%H%M%S}-{reference}-{message_id[:8]}.json"
        record = {"id": message_id, "to": to, "body": body, "reference": reference}
        record["sent_at"] = now.isoformat()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=2))
        tmp.rename(path)  # readers never see half a file
        return message_id


outbox: list[dict] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps messages in `messaging.sms.outbox`, like Django's locmem email backend."""

    def send(self, *, to: str, body: str, reference: str) -> str:
        message_id = uuid.uuid4().hex
        outbox.append({"id": message_id, "to": to, "body": body, "reference": reference})
        return message_id


class RestSmsBackend(BaseSmsBackend):
    """An HTTP provider speaking the widespread Accounts/{sid}/Messages.json REST API."""

    timeout = 10

    def __init__(self):
        self.base_url = settings.SMS_REST_BASE_URL.rstrip("/")
        self.account_sid = settings.SMS_REST_ACCOUNT_SID
        self.auth_token = settings.SMS_REST_AUTH_TOKEN
        self.sender = settings.SMS_REST_FROM
        if not (self.base_url and self.account_sid and self.auth_token and self.sender):
            raise PermanentSmsError(
                "The SMS provider is not configured: set SMS_REST_BASE_URL, "
                "SMS_REST_ACCOUNT_SID, SMS_REST_AUTH_TOKEN and SMS_REST_FROM."
            )

    def send(self, *, to: str, body: str, reference: str) -> str:
        url = f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        try:
            response = requests.post(
                url,
                data={"To": to, "From": self.sender, "Body": body},
                auth=(self.account_sid, self.auth_token),
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise TransientSmsError(f"SMS provider unreachable: {error}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientSmsError(f"SMS provider answered {response.status_code}.")
        if response.status_code >= 400:
            try:
                detail = response.json().get("message", "")
            except ValueError:
                detail = response.text[:200]
            raise PermanentSmsError(f"SMS provider refused ({response.status_code}): {detail}")
        try:
            return str(response.json()["sid"])
        except (ValueError, KeyError) as error:
            raise TransientSmsError("SMS provider answered without a message id.") from error


# Where the backends lived before messaging became its own app; an environment that still
# names them there keeps working.
_OLD_PREFIX = "scheduling.sms."


def get_backend() -> BaseSmsBackend:
    path = settings.SMS_BACKEND
    if path.startswith(_OLD_PREFIX):
        path = "messaging.sms." + path.removeprefix(_OLD_PREFIX)
    return import_string(path)()
