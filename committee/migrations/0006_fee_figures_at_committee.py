from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("committee", "0005_expert_assignment_order_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="feefigures",
            name="committee_dossiers",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="feefigures",
            name="committee_due_yuan",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="feefigures",
            name="committee_paid_count",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="feefigures",
            name="committee_paid_yuan",
            field=models.BigIntegerField(default=0),
        ),
    ]
