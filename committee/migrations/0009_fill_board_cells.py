"""Fills the board's count cells (0008) from the stored steps that exist, with committee.board's own rebuild
of the cells on the historical models: from here on every write that moves a stored step recounts them."""

from django.db import migrations


def fill(apps, schema_editor):
    from committee.board import rebuild_board_cells

    rebuild_board_cells(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("committee", "0008_board_cells"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
