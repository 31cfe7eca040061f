"""Every notification has its municipality (copied from its clock in 0006)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0006_notifications_of_items"),
        ("org", "0002_municipality_auto_route"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="municipality",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="org.municipality",
            ),
        ),
    ]
