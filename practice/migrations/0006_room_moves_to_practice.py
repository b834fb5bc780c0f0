"""`Room` moves from scheduling to practice, the ground floor that `Session.room` lives on.

State only: the table keeps its name (`scheduling_room`, see `Room.Meta.db_table`), its
rows, its constraints and every foreign key column pointing at it, so nothing is copied and
the PostgreSQL exclusion constraints on `practice_session.room_id` are untouched.
scheduling's `0007_room_moves_to_practice` then repoints its own links and forgets its copy.
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0005_safety_gates"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Room",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=80)),
                        (
                            "capacity",
                            models.PositiveSmallIntegerField(
                                default=1, validators=[django.core.validators.MinValueValidator(1)]
                            ),
                        ),
                        (
                            "dosing_capable",
                            models.BooleanField(
                                default=False,
                                help_text="Has monitoring equipment and a recliner for dosing sessions.",
                            ),
                        ),
                        ("description", models.CharField(blank=True, max_length=200)),
                        ("is_active", models.BooleanField(default=True)),
                        (
                            "clinic",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="rooms",
                                to="practice.clinic",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "scheduling_room",
                        "ordering": ["name"],
                    },
                ),
                migrations.AlterField(
                    model_name="session",
                    name="room",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sessions",
                        to="practice.room",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="room",
                    constraint=models.UniqueConstraint(
                        fields=("clinic", "name"), name="room_name_once_per_clinic"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="room",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("capacity__gte", 1)), name="room_capacity_positive"
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
