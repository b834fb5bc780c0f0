"""Loss notices: stock lost, stolen or found missing alerts the clinic at once.

`append_entry` raises them in the entry's own transaction, so a refused entry notifies no
one and a recorded one cannot skip its notices. Each active admin and medical staff member
of the clinic gets one row: emailed after commit (the periodic sweep sends any the broker
missed) and shown on their home page until they acknowledge it. A notice points at the
entry; neither it nor its email names a patient or repeats the entry's free-text reason.
"""

from django.db import transaction
from django.utils import timezone

from controlled.errors import NoticeAlreadyAcknowledged
from controlled.models import LEDGER_ROLES, LedgerEntry, LossNotice
from controlled.tasks import enqueue_loss_notices
from practice.models import StaffMember


def loss_notices_raise(*, entry: LedgerEntry) -> list[LossNotice]:
    """One notice per active admin and medical staff member of the entry's clinic (the
    recorder and witness included: everyone in those roles sees every loss)."""
    recipients = StaffMember.objects.filter(
        clinic_id=entry.clinic_id, role__in=LEDGER_ROLES, is_active=True
    ).order_by("pk")
    notices = LossNotice.objects.bulk_create(
        [LossNotice(clinic_id=entry.clinic_id, entry=entry, recipient=r) for r in recipients]
    )

    enqueue_loss_notices([notice.pk for notice in notices])
    return notices


@transaction.atomic
def loss_notice_acknowledge(*, notice: LossNotice, by: StaffMember) -> LossNotice:
    """The recipient says they have seen it; it leaves their home page. Locks the notice.

    Only the recipient acknowledges their own notice (callers find it through
    `LossNotice.objects.visible_to`, so anyone else gets 404); a second acknowledgement is
    refused (NoticeAlreadyAcknowledged)."""
    notice = LossNotice.objects.select_for_update().get(pk=notice.pk, recipient=by)
    if notice.acknowledged_at is not None:
        local = timezone.localtime(notice.acknowledged_at, notice.clinic.zone)
        raise NoticeAlreadyAcknowledged(
            f"You acknowledged this notice on {local:%Y-%m-%d at %H:%M}."
        )
    notice.acknowledged_at = timezone.now()
    notice.save(update_fields=["acknowledged_at"])
    return notice
