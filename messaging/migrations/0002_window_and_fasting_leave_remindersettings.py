"""Two settings leave ReminderSettings, each for the one place that owns it.

- cancellation_window_hours: a booking rule, now `scheduling.SchedulingPolicy`; the values
  were copied there by scheduling.0006_messaging_moved_out, which runs before this one.
- fasting_hours: the clinic's one fasting time is `practice.ClinicalSettings.fasting_hours`
  (the dosing gate checks it; the preparation messages now say it). Nothing is copied:
  the clinical setting wins, so a clinic that raised the gate no longer tells patients less.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0001_initial'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='remindersettings',
            name='cancellation_window_hours',
        ),
        migrations.RemoveField(
            model_name='remindersettings',
            name='fasting_hours',
        ),
    ]
