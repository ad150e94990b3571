"""Fills the board's steps and the fee figures for the records that exist (committee.board's own rebuild, on
the historical models, so the step keeps one definition): from here on the committee's writes keep them."""

from django.db import migrations


def fill(apps, schema_editor):
    from committee.board import rebuild_committee_board

    rebuild_committee_board(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("committee", "0003_board_steps_and_fee_figures"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
