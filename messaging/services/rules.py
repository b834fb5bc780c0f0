"""When each kind of message goes out: built-in defaults a clinic overrides per kind."""

from __future__ import annotations

from dataclasses import dataclass

from messaging.choices import MessageKind
from messaging.models import ReminderRule


@dataclass(frozen=True)
class Rule:
    kind: str
    offset_minutes: int
    enabled: bool = True

    @property
    def before(self) -> bool:
        return self.offset_minutes <= 0


# Built-in rules; a clinic overrides any of them with a ReminderRule row.
DEFAULT_RULES: dict[str, Rule] = {
    MessageKind.SESSION_48H: Rule(MessageKind.SESSION_48H, -48 * 60),
    MessageKind.SESSION_2H: Rule(MessageKind.SESSION_2H, -2 * 60),
    MessageKind.DOSING_PREPARATION: Rule(MessageKind.DOSING_PREPARATION, -24 * 60),
    MessageKind.INTEGRATION_FOLLOWUP: Rule(MessageKind.INTEGRATION_FOLLOWUP, 24 * 60),
    MessageKind.QUESTIONNAIRE_INVITATION: Rule(MessageKind.QUESTIONNAIRE_INVITATION, 0),
    MessageKind.RETREAT_WELCOME: Rule(MessageKind.RETREAT_WELCOME, -7 * 24 * 60),
}


def rules_for(clinic) -> dict[str, Rule]:
    """The clinic's rules: built-in defaults overridden by its ReminderRule rows."""
    rules = dict(DEFAULT_RULES)
    for row in ReminderRule.objects.filter(clinic=clinic):
        rules[row.kind] = Rule(row.kind, row.offset_minutes, row.enabled)
    return rules
