"""Patient messaging became its own app (`messaging`); the cancellation window stays here.

1. The six messaging models leave scheduling's migration state only: their tables stay
   as they are and now belong to `messaging` (see messaging.0001_initial).
2. Their content types follow them (scheduling → messaging), so audit-log entries and
   permissions about them stay attached.
3. The cancellation window is a booking rule: `SchedulingPolicy.cancellation_window_hours`,
   copied from each clinic's `ReminderSettings.cancellation_window_hours` before
   messaging.0002 drops that column.
"""

import django.core.validators
from django.db import migrations, models

MOVED = [
    "remindersettings",
    "reminderrule",
    "messagetemplate",
    "patientmessaging",
    "messagepreference",
    "reminder",
]


def content_types_follow(apps, schema_editor, *, old="scheduling", new="messaging"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_return(apps, schema_editor):
    content_types_follow(apps, schema_editor, old="messaging", new="scheduling")


def window_to_policy(apps, schema_editor):
    ReminderSettings = apps.get_model("messaging", "ReminderSettings")
    SchedulingPolicy = apps.get_model("scheduling", "SchedulingPolicy")
    for row in ReminderSettings.objects.all():
        SchedulingPolicy.objects.update_or_create(
            clinic_id=row.clinic_id,
            defaults={"cancellation_window_hours": row.cancellation_window_hours},
        )


def window_to_reminder_settings(apps, schema_editor):
    ReminderSettings = apps.get_model("messaging", "ReminderSettings")
    SchedulingPolicy = apps.get_model("scheduling", "SchedulingPolicy")
    for policy in SchedulingPolicy.objects.all():
        ReminderSettings.objects.update_or_create(
            clinic_id=policy.clinic_id,
            defaults={"cancellation_window_hours": policy.cancellation_window_hours},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("scheduling", "0005_message_kind_instalment"),
        ("messaging", "0001_initial"),
    ]
    # The copy reads the column messaging.0002 drops.
    run_before = [("messaging", "0002_window_and_fasting_leave_remindersettings")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="MessagePreference"),
                migrations.DeleteModel(name="MessageTemplate"),
                migrations.DeleteModel(name="PatientMessaging"),
                migrations.DeleteModel(name="Reminder"),
                migrations.DeleteModel(name="ReminderRule"),
                migrations.DeleteModel(name="ReminderSettings"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_return),
        migrations.AddField(
            model_name="schedulingpolicy",
            name="cancellation_window_hours",
            field=models.PositiveSmallIntegerField(
                default=24,
                help_text="Inside this many hours before a session the patient must call to cancel.",
                validators=[django.core.validators.MaxValueValidator(336)],
            ),
        ),
        migrations.RunPython(window_to_policy, window_to_reminder_settings),
    ]
