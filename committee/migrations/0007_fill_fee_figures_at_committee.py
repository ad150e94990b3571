"""Fills the new figures of the fee cells (the fees of the dossiers still at the committee) for the fees that
exist, with committee.board's own rebuild of the cells on the historical models: from here on the fee writes
and the dossiers entering or leaving the committee keep them."""

from django.db import migrations


def fill(apps, schema_editor):
    from committee.board import rebuild_fee_figures

    rebuild_fee_figures(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("committee", "0006_fee_figures_at_committee"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
