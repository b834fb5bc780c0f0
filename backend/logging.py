"""Logs carry no PHI and no secrets.

PostgreSQL puts the offending values in its error details: a NOT NULL or CHECK violation
says `DETAIL:  Failing row contains (…the whole row…)`, a unique or foreign-key violation
`Key (email)=(…)`. Django logs those messages, with their tracebacks, on every unhandled
database error. Tokens travel in URLs that end up in logs too: the calendar feed
(`/calendar/feed/<token>.ics`), the confirm/cancel links (`/r/<token>/`) and any
`?token=`/`?password=`-like query parameter. So do search terms, which are what a person
typed to find a patient or a note (`?q=`, `?search=`: a name, a date of birth).

`redact(text)` removes all of these; `RedactFilter` applies it to every record the console
handler writes (message, arguments and traceback), in place, so the handlers that run after
it see the redacted record too. The gunicorn access log uses `redact` as well
(deploy/gunicorn.conf.py). This module imports nothing from Django: gunicorn's master loads
it before Django is set up.
"""

import logging
import re

REDACTED = "[redacted]"

_PATTERNS: list[tuple[re.Pattern, str]] = [
    # PostgreSQL: DETAIL:  Failing row contains (1, Jane, Doe, …).
    (re.compile(r"(Failing row contains )\(.*", re.IGNORECASE), rf"\1({REDACTED})"),
    # PostgreSQL: Key (email)=(jane@example.org) already exists. / is not present in table /
    # conflicts with existing key (…)=(…). The rest of the line may hold more values.
    (re.compile(r"(Key \((?:[^()]|\([^()]*\))*\)=)\(.*"), rf"\1({REDACTED})"),
    # Tokens in paths: the calendar feed and the confirm/cancel links.
    (re.compile(r"(/calendar/feed/)[^/\s\"'?#]+?(\.ics)"), rf"\1{REDACTED}\2"),
    (re.compile(r"(/r/)[^/\s\"'?#]+"), rf"\1{REDACTED}"),
    # A new patient's invitation link (onboarding).
    (re.compile(r"(/invite/)[^/\s\"'?#]+"), rf"\1{REDACTED}"),
    # Secret-looking query parameters (and form-encoded bodies): token=, password=, key=…
    (
        re.compile(
            r"((?:^|[?&;\s])(?:[\w.-]*(?:token|password|passwd|secret|signature)[\w.-]*"
            r"|(?:[\w.-]*[_-])?(?:key|apikey|sig|otp|auth))=)[^&\s\"'#]*",
            re.IGNORECASE,
        ),
        rf"\1{REDACTED}",
    ),
    # What a person typed to find a patient or a note (a name, a date of birth): PHI.
    (
        re.compile(r"((?:^|[?&;])(?:q|search|query|term)=)[^&\s\"'#]*", re.IGNORECASE),
        rf"\1{REDACTED}",
    ),
]


def redact(text: str) -> str:
    """`text` without database row values, URL tokens and secret query parameters."""
    if not text:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    """Redacts a record in place (see the module docstring); never drops one."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw message, redacted
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
