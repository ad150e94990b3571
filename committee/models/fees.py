"""Fees (notice 七, paid within notice 三(三)) and the receipt of paper forms and rosters (notice 三(二))."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import Organization
from dossiers.models import Dossier
from rounds.models import Round


class Fee(models.Model):
    """What one accepted dossier owes, and whether (when, how) it was paid. Never deleted when unpaid:
    after the window it is flagged (`overdue_flagged_at`) so the office decides."""

    class Method(models.TextChoices):
        CASH = "cash", "现金"
        TRANSFER = "transfer", "银行转账"
        ONLINE = "online", "网上缴费"
        IMPORT = "import", "缴费清单导入"

    dossier = models.OneToOneField(Dossier, verbose_name="申报材料", on_delete=models.CASCADE, related_name="fee")
    # Printed on the payment notice and quoted by the payer; an import matches rows by it (or by ID number).
    serial = models.CharField("缴费编号", max_length=40, unique=True)
    amount_yuan = models.PositiveIntegerField("应缴金额（元）")
    paid_at = models.DateTimeField("缴费时间", null=True, blank=True)
    method = models.CharField("缴费方式", max_length=16, choices=Method.choices, blank=True)
    # The bank's or payment platform's transaction number, when there is one.
    reference = models.CharField("交易流水号", max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_in = models.ForeignKey(
        "committee.FeeImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="fees_paid"
    )
    overdue_flagged_at = models.DateTimeField("逾期未缴标记时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "评审费"
        verbose_name_plural = "评审费"
        ordering = ["serial"]

    def __str__(self) -> str:
        return f"{self.serial} {self.amount_yuan} 元"

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None


class FeeImport(models.Model):
    """One imported bank/payment XLSX: what it matched, what it applied, what it could not match."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="fee_imports")
    file_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField(max_length=64)
    applied = models.PositiveIntegerField("本次入账", default=0)
    already_paid = models.PositiveIntegerField("此前已入账", default=0)
    mismatched = models.PositiveIntegerField("未匹配或不一致", default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "缴费清单导入"
        verbose_name_plural = "缴费清单导入"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d})"


class FeeImportRow(models.Model):
    """One row of an imported file and what became of it (the list of mismatches is these rows)."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "已入账"
        ALREADY_PAID = "already_paid", "此前已入账，未重复入账"
        UNMATCHED = "unmatched", "未找到对应申报"
        AMOUNT_MISMATCH = "amount_mismatch", "金额与应缴不符"
        AMBIGUOUS = "ambiguous", "对应多份申报，请按缴费编号导入"
        OUTSIDE_WINDOW = "outside_window", "缴费日期不在缴费时间内"
        INVALID = "invalid", "行内容不完整"

    fee_import = models.ForeignKey(FeeImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField("行号")
    serial = models.CharField("缴费编号", max_length=40, blank=True)
    id_number = models.CharField("身份证号码", max_length=18, blank=True)
    amount_yuan = models.DecimalField("金额", max_digits=10, decimal_places=2, null=True, blank=True)
    reference = models.CharField("交易流水号", max_length=64, blank=True)
    fee = models.ForeignKey(Fee, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_rows")
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)

    class Meta:
        ordering = ["fee_import", "row_number"]

    def __str__(self) -> str:
        return f"{self.fee_import_id}:{self.row_number} {self.outcome}"


class PaperReceipt(models.Model):
    """The printed evaluation form of one dossier reached the office (notice 三(二))."""

    dossier = models.OneToOneField(
        Dossier, verbose_name="申报材料", on_delete=models.CASCADE, related_name="paper_receipt"
    )
    received_on = models.DateField("收到日期")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "纸质评审表接收"
        verbose_name_plural = "纸质评审表接收"

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.received_on}"


class RosterReceipt(models.Model):
    """A unit's printed roster (annex 5) reached the office."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="roster_receipts")
    unit = models.ForeignKey(Organization, verbose_name="推荐单位", on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField("收到日期")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "花名册接收"
        verbose_name_plural = "花名册接收"
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="one_roster_receipt_per_unit")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.unit_id} {self.received_on}"
