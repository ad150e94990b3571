"""What the office's board and statistics read instead of recomputing it from every dossier of a round: each
committee dossier's step, and the fee figures per unit and level. Both are written by committee.board in the
transaction of the change that moves them, and rebuilt by `manage.py rebuild_committee_board`."""

from __future__ import annotations

from django.db import models

from accounts.models import Organization
from dossiers.models import Dossier
from rounds.models import Round


class BoardStep(models.Model):
    """Where one dossier at the committee stands (committee.board.step_expression, stored as a code that does
    not depend on the policy's labels) and what its overdue flags are made of (the date decides the flags, so
    only their ingredients are stored). A row exists exactly for the dossiers in a committee state."""

    dossier = models.OneToOneField(Dossier, primary_key=True, on_delete=models.CASCADE, related_name="board_step")
    # Copies of the dossier's, so the board counts and filters this table alone, on its index.
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    serial_number = models.CharField(max_length=32)
    step = models.CharField(max_length=48)
    fee_unpaid = models.BooleanField()  # no fee, or a fee not paid
    fee_flagged = models.BooleanField()  # a fee not paid and flagged overdue
    paper_missing = models.BooleanField()  # at 评审委员会已接收材料 without its paper form

    class Meta:
        verbose_name = "评审进度"
        verbose_name_plural = "评审进度"
        indexes = [
            # The step counts (GROUP BY step) and a step's page in the board's order read this index alone.
            models.Index(
                fields=["round", "step", "serial_number"],
                include=["unit", "fee_unpaid", "fee_flagged", "paper_missing"],
                name="board_step_round_step",
            ),
            # One count cell's rows (committee.BoardCell, recounted by every write that moves a step).
            models.Index(
                fields=["round", "unit", "step"],
                include=["fee_unpaid", "fee_flagged", "paper_missing"],
                name="board_step_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.step}"


class BoardCell(models.Model):
    """The stored steps (committee.BoardStep) of one round's dossiers of one unit at one step, counted with
    their overdue flags' ingredients: the board's step counts and overdue total add up these cells, a few per
    unit, instead of grouping the round's steps. Recounted from BoardStep by every write that moves a step,
    in its transaction (committee.board); a cell may stay at zero."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=48)  # BoardStep.step's code
    dossiers = models.IntegerField(default=0)
    fee_unpaid = models.IntegerField(default=0)
    fee_flagged = models.IntegerField(default=0)
    paper_missing = models.IntegerField(default=0)
    # What is overdue depends on today (the fee and paper windows): the counts of either flag.
    unpaid_or_paper = models.IntegerField(default=0)  # fee_unpaid or paper_missing
    flagged_or_paper = models.IntegerField(default=0)  # fee_flagged or paper_missing

    class Meta:
        verbose_name = "评审进度统计"
        verbose_name_plural = "评审进度统计"
        constraints = [models.UniqueConstraint(fields=["round", "unit", "step"], name="one_board_cell_per_step")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.unit_id}/{self.step}: {self.dossiers}"


class FeeFigures(models.Model):
    """The fees of one round's dossiers of one unit and level, added up (committee.stats and the office's fees
    page read these cells, a few per unit, instead of joining the round's dossiers to their fees)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=16)
    dossiers = models.IntegerField(default=0)  # dossiers with a fee
    due_yuan = models.BigIntegerField(default=0)
    paid_count = models.IntegerField(default=0)
    paid_yuan = models.BigIntegerField(default=0)
    overdue = models.IntegerField(default=0)  # unpaid and flagged overdue
    # The same of the dossiers still at the committee (a cancelled one has left the stage but keeps its fee):
    # the office's fees page and the board's counts by fee read these, the statistics the ones above.
    committee_dossiers = models.IntegerField(default=0)
    committee_due_yuan = models.BigIntegerField(default=0)
    committee_paid_count = models.IntegerField(default=0)
    committee_paid_yuan = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "评审费统计"
        verbose_name_plural = "评审费统计"
        constraints = [models.UniqueConstraint(fields=["round", "unit", "level"], name="one_fee_figures_per_cell")]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.unit_id}/{self.level}: {self.paid_count}/{self.dossiers}"
