"""Fills the dossier counts for the dossiers that exist (workflow.tallies.recount_tallies, on the historical
models): from here on every Dossier.save / delete keeps them."""

from django.db import migrations
from django.db.models import Case, Count, Q, Value, When
from django.db.models.fields import BooleanField


def fill(apps, schema_editor):
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierTally = apps.get_model("workflow", "DossierTally")
    DossierTally.objects.all().delete()
    filed = Case(When(Q(submission_count__gt=0), then=Value(True)), default=Value(False), output_field=BooleanField())
    groups = (
        Dossier.objects.order_by()
        .annotate(filed=filed)
        .values("round_id", "unit_id", "status", "level", "kind", "filed")
        .annotate(n=Count("pk"))
    )
    DossierTally.objects.bulk_create([DossierTally(**g) for g in groups], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0003_queue_indexes"),
        ("workflow", "0005_dossier_tally"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
