from django.apps import AppConfig


class CommitteeConfig(AppConfig):
    name = "committee"
    verbose_name = "评审委员会"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # why: selectors import models, which the app registry forbids before ready().
        import committee.board  # noqa: F401  (connects the receivers that keep the board's steps and fee figures)
        from committee.actions import CertificateIssueAction, FraudCancelAction
        from committee.fees import fee_on_receipt
        from committee.selectors import is_assigned_expert
        from committee.stage import RECEIVED, REQUIRED_STATES
        from masking.selectors import register_masked_reader
        from rounds.policy import require_states
        from workflow.actions import ACTION_CLASSES, on_entering

        # Masking serves files below committee; it learns here who may receive masked copies only.
        register_masked_reader(is_assigned_expert)
        # The committee's steps move dossiers into these states: every policy must define them.
        require_states("评审委员会", REQUIRED_STATES)
        # The policy's 发放电子证书 row carries the certificate (importing committee.actions registers the
        # committee's other steps on their subjects).
        ACTION_CLASSES["certificate_issue"] = CertificateIssueAction
        # 弄虚作假，取消申报 needs the recorded finding it follows from.
        ACTION_CLASSES["fraud_cancel"] = FraudCancelAction
        # Receiving a dossier draws up its fee in the same transaction (a page never writes one).
        on_entering(RECEIVED, fee_on_receipt)
