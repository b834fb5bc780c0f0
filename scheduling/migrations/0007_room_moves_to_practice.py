"""scheduling's links to rooms point at `practice.Room`; scheduling forgets its `Room`.

State only (the table `scheduling_room` and the columns pointing at it stay as they are).
The room's content type follows the model, so admin history and permissions keep pointing
at the same rows.
"""

import django.db.models.deletion
from django.db import migrations, models


def _move_content_type(apps, schema_editor, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if ContentType.objects.using(db).filter(app_label=target, model="room").exists():
        return
    ContentType.objects.using(db).filter(app_label=source, model="room").update(app_label=target)


def content_type_to_practice(apps, schema_editor):
    _move_content_type(apps, schema_editor, source="scheduling", target="practice")


def content_type_to_scheduling(apps, schema_editor):
    _move_content_type(apps, schema_editor, source="practice", target="scheduling")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("practice", "0006_room_moves_to_practice"),
        ("scheduling", "0006_messaging_moved_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="sessionseries",
                    name="room",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="practice.room",
                    ),
                ),
                migrations.AlterField(
                    model_name="retreat",
                    name="rooms",
                    field=models.ManyToManyField(
                        blank=True, related_name="retreats", to="practice.room"
                    ),
                ),
                migrations.DeleteModel(
                    name="Room",
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_practice, content_type_to_scheduling),
    ]
