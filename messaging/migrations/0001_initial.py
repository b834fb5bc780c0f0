"""The patient messaging models, moved from `scheduling` without touching the database.

Their tables keep their names (`scheduling_reminder`, …; each model sets `Meta.db_table`),
so this migration creates the models in Django's migration state only. The tables were
created by scheduling's migrations 0002 and 0005, and `scheduling.0006_messaging_moved_out`
(which runs after this one) removes the models from scheduling's state, again without a
database change. ReminderSettings is recreated with the two fields it still has in the
database; `0002` then moves the cancellation window to scheduling and drops both.
"""

import datetime
import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('practice', '0005_safety_gates'),
    ]

    state_operations = [
        migrations.CreateModel(
            name='PatientMessaging',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sms_consent_at', models.DateTimeField(blank=True, help_text='When the patient agreed to text messages; empty = no.', null=True)),
                ('quiet_hours_start', models.TimeField(blank=True, help_text="The patient's own quiet hours; empty = the clinic's.", null=True)),
                ('quiet_hours_end', models.TimeField(blank=True, null=True)),
                ('share_session_type', models.BooleanField(default=False, help_text="The patient agreed that reminders name the kind of session (e.g. 'dosing session') instead of 'appointment'.")),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('patient', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='messaging', to='practice.patient')),
            ],
            options={
                'db_table': 'scheduling_patientmessaging',
            },
        ),
        migrations.CreateModel(
            name='ReminderSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('quiet_hours_start', models.TimeField(default=datetime.time(21, 0), help_text='No message leaves after this time (clinic time).')),
                ('quiet_hours_end', models.TimeField(default=datetime.time(8, 0), help_text='…nor before this time (clinic time).')),
                ('cancellation_window_hours', models.PositiveSmallIntegerField(default=24, help_text='Inside this many hours before a session the patient must call to cancel.', validators=[django.core.validators.MaxValueValidator(336)])),
                ('fasting_hours', models.PositiveSmallIntegerField(default=4, help_text='Hours of fasting the dosing preparation message asks for.', validators=[django.core.validators.MaxValueValidator(24)])),
                ('clinic', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='reminder_settings', to='practice.clinic')),
            ],
            options={
                'verbose_name_plural': 'reminder settings',
                'db_table': 'scheduling_remindersettings',
            },
        ),
        migrations.CreateModel(
            name='MessagePreference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('session_48h', 'Session reminder (2 days before)'), ('session_2h', 'Session reminder (2 hours before)'), ('dosing_preparation', 'Dosing preparation instructions'), ('integration_followup', 'Day-after integration follow-up'), ('questionnaire_invitation', 'Questionnaire invitation'), ('retreat_welcome', 'Retreat welcome'), ('waitlist_promotion', 'Waitlist place offered'), ('superbill_issued', 'Superbill ready'), ('payment_plan_instalment', 'Payment plan instalment due')], max_length=32)),
                ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'Text message'), ('both', 'Email and text message'), ('none', "Don't send")], max_length=8)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('patient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='message_preferences', to='practice.patient')),
            ],
            options={
                'db_table': 'scheduling_messagepreference',
                'ordering': ['patient', 'kind'],
                'constraints': [models.UniqueConstraint(fields=('patient', 'kind'), name='message_preference_once')],
            },
        ),
        migrations.CreateModel(
            name='MessageTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('session_48h', 'Session reminder (2 days before)'), ('session_2h', 'Session reminder (2 hours before)'), ('dosing_preparation', 'Dosing preparation instructions'), ('integration_followup', 'Day-after integration follow-up'), ('questionnaire_invitation', 'Questionnaire invitation'), ('retreat_welcome', 'Retreat welcome'), ('waitlist_promotion', 'Waitlist place offered'), ('superbill_issued', 'Superbill ready'), ('payment_plan_instalment', 'Payment plan instalment due')], max_length=32)),
                ('email_subject', models.CharField(max_length=200)),
                ('email_text', models.TextField(help_text='Plain-text body of the email.')),
                ('email_html', models.TextField(blank=True, help_text='HTML body; empty sends text only.')),
                ('sms_text', models.CharField(help_text='At most three SMS segments.', max_length=480)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='message_templates', to='practice.clinic')),
            ],
            options={
                'db_table': 'scheduling_messagetemplate',
                'ordering': ['clinic', 'kind'],
                'constraints': [models.UniqueConstraint(fields=('clinic', 'kind'), name='message_template_once')],
            },
        ),
        migrations.CreateModel(
            name='Reminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('session_48h', 'Session reminder (2 days before)'), ('session_2h', 'Session reminder (2 hours before)'), ('dosing_preparation', 'Dosing preparation instructions'), ('integration_followup', 'Day-after integration follow-up'), ('questionnaire_invitation', 'Questionnaire invitation'), ('retreat_welcome', 'Retreat welcome'), ('waitlist_promotion', 'Waitlist place offered'), ('superbill_issued', 'Superbill ready'), ('payment_plan_instalment', 'Payment plan instalment due')], max_length=32)),
                ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'Text message (SMS)')], max_length=8)),
                ('target_type', models.CharField(max_length=32)),
                ('target_id', models.CharField(max_length=64)),
                ('send_at', models.DateTimeField()),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('cancelled', 'Cancelled'), ('skipped', 'Skipped')], default='pending', max_length=16)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('lease_until', models.DateTimeField(blank=True, null=True)),
                ('subject', models.CharField(blank=True, max_length=200)),
                ('body_text', models.TextField(blank=True)),
                ('body_html', models.TextField(blank=True)),
                ('recipient', models.CharField(blank=True, max_length=254)),
                ('provider_message_id', models.CharField(blank=True, max_length=100)),
                ('last_error', models.CharField(blank=True, max_length=500)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='practice.clinic')),
                ('patient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='practice.patient')),
                ('session', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='practice.session')),
            ],
            options={
                'db_table': 'scheduling_reminder',
                'ordering': ['send_at', 'id'],
                'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['send_at'], name='reminder_due_idx'), models.Index(condition=models.Q(('status', 'sending')), fields=['lease_until'], name='reminder_stale_idx'), models.Index(fields=['patient', 'send_at'], name='scheduling__patient_9a317a_idx'), models.Index(fields=['clinic', 'status', 'send_at'], name='scheduling__clinic__749aa2_idx')],
                'constraints': [models.UniqueConstraint(fields=('target_type', 'target_id', 'kind', 'channel'), name='reminder_once_per_target_kind_channel'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', False), _connector='OR'), name='reminder_sent_has_sent_at')],
            },
        ),
        migrations.CreateModel(
            name='ReminderRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('session_48h', 'Session reminder (2 days before)'), ('session_2h', 'Session reminder (2 hours before)'), ('dosing_preparation', 'Dosing preparation instructions'), ('integration_followup', 'Day-after integration follow-up'), ('questionnaire_invitation', 'Questionnaire invitation'), ('retreat_welcome', 'Retreat welcome'), ('waitlist_promotion', 'Waitlist place offered'), ('superbill_issued', 'Superbill ready'), ('payment_plan_instalment', 'Payment plan instalment due')], max_length=32)),
                ('enabled', models.BooleanField(default=True)),
                ('offset_minutes', models.IntegerField(help_text='Minutes relative to the start: negative is before, positive after.', validators=[django.core.validators.MinValueValidator(-43200), django.core.validators.MaxValueValidator(43200)])),
                ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminder_rules', to='practice.clinic')),
            ],
            options={
                'db_table': 'scheduling_reminderrule',
                'ordering': ['clinic', 'kind'],
                'constraints': [models.UniqueConstraint(fields=('clinic', 'kind'), name='reminder_rule_once_per_kind')],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[]),
    ]
