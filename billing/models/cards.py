"""Card payments through Stripe: the requests made to it, the cards patients saved, autopay
of payment plans, refunds and the webhook events received.

Card data never reaches the clinic's server: Checkout (hosted by Stripe) takes the card and
a saved card is kept as Stripe's ids, brand, last four digits and expiry. Money is recorded
as a `Payment` only once: its `stripe_payment_intent` is unique, and each webhook event id
is stored once (`StripeEvent`), so a replayed event changes nothing.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from billing.choices import CardPaymentKind, CardPaymentStatus, RefundStatus
from billing.models.catalogue import MONEY
from practice.querysets import PatientScopedQuerySet


class StripeCustomer(models.Model):
    """The Stripe customer a patient's saved cards belong to (one per patient). Only ids are
    sent to Stripe as metadata, never a name."""

    patient = models.OneToOneField(
        "practice.Patient", on_delete=models.PROTECT, related_name="stripe_customer"
    )
    customer_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(clinic_path="patient__clinic")

    def __str__(self):
        return self.customer_id


class SavedCard(models.Model):
    """A card a patient saved through Checkout in setup mode: Stripe's payment method id and
    what a person needs to recognise it. Never a card number."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="saved_cards"
    )
    customer_id = models.CharField(max_length=64)
    payment_method_id = models.CharField(max_length=64, unique=True)
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.brand.title()} ending {self.last4} ({self.exp_month:02d}/{self.exp_year})"


class Autopay(models.Model):
    """A payment plan whose instalments are charged to a saved card on their due date."""

    plan = models.OneToOneField(
        "billing.PaymentPlan", on_delete=models.CASCADE, related_name="autopay"
    )
    card = models.ForeignKey(SavedCard, on_delete=models.PROTECT, related_name="autopays")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(patient_path="plan__patient", clinic_path="plan__clinic")

    def __str__(self):
        return f"Autopay of plan {self.plan_id} with card {self.card_id}"


class CardPayment(models.Model):
    """One request for card money made to Stripe: a Checkout Session (the portal's or the
    front desk's), a Checkout Session in setup mode (saving a card), or an off-session charge
    of a saved card (autopay attempt `attempt` of an instalment). Its outcome comes from the
    webhook; the `Payment` it produced is linked once recorded."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="card_payments"
    )
    kind = models.CharField(max_length=16, choices=CardPaymentKind.choices)
    status = models.CharField(
        max_length=16, choices=CardPaymentStatus.choices, default=CardPaymentStatus.OPEN
    )
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    checkout_session_id = models.CharField(max_length=80, blank=True)
    payment_intent_id = models.CharField(max_length=80, blank=True)
    card = models.ForeignKey(
        SavedCard, null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    instalment = models.ForeignKey(
        "billing.Instalment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_attempts",
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    retry_on = models.DateField(null=True, blank=True)
    failure = models.CharField(max_length=200, blank=True)
    payment = models.OneToOneField(
        "billing.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_payment",
    )
    requested_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="card_payment_amount"),
            # An autopay attempt is made once: two workers racing insert one row.
            models.UniqueConstraint(
                fields=["instalment", "attempt"], name="card_payment_attempt_once"
            ),
            models.UniqueConstraint(
                fields=["checkout_session_id"],
                condition=~Q(checkout_session_id=""),
                name="card_payment_session_once",
            ),
            models.UniqueConstraint(
                fields=["payment_intent_id"],
                condition=~Q(payment_intent_id=""),
                name="card_payment_intent_once",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ${self.amount} ({self.get_status_display()})"


class Refund(models.Model):
    """Money given back on a card payment. Requested from Stripe (pending); the webhook's
    `charge.refunded` makes it succeed, which reduces what the payment paid and takes the
    refunded money back from the newest charges it was applied to."""

    payment = models.ForeignKey("billing.Payment", on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    status = models.CharField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    stripe_refund_id = models.CharField(max_length=80, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    # A refund can fail after it succeeded (the card was closed): Stripe returns the money to
    # the clinic, so the refund is reversed and what the payment paid counts again.
    failed_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=80, blank=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="payment__patient", clinic_path="payment__clinic"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(
                fields=["stripe_refund_id"],
                condition=~Q(stripe_refund_id=""),
                name="refund_stripe_id_once",
            ),
        ]

    def __str__(self):
        return f"Refund ${self.amount} of payment {self.payment_id}"


class StripeEvent(models.Model):
    """A webhook event received and verified: stored once by its id, so a replay is
    recognised and changes nothing. Holds no payload (no patient data)."""

    event_id = models.CharField(max_length=80, unique=True)
    type = models.CharField(max_length=80)
    outcome = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"
