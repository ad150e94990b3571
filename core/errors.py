"""Typed domain errors: every refusal carries a machine-readable code and a Chinese message.

Services raise these; pages show `message`, the API returns `{"code", "message", "details"}`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    INVALID_INPUT = "invalid_input"
    OUTSIDE_WINDOW = "outside_window"
    INCOMPLETE = "incomplete"
    NOT_EDITABLE = "not_editable"
    ILLEGAL_TRANSITION = "illegal_transition"
    CONCURRENT_UPDATE = "concurrent_update"
    SUBMISSION_LIMIT = "submission_limit"
    DEADLINE_PASSED = "deadline_passed"
    INELIGIBLE = "ineligible"
    PUBLICITY_NOT_ENDED = "publicity_not_ended"
    BAD_ATTACHMENT = "bad_attachment"
    MASKING_UNCONFIRMED = "masking_unconfirmed"
    MASKING_UNCOVERED = "masking_uncovered"
    POLICY_INVALID = "policy_invalid"
    DOCUMENT_UNAVAILABLE = "document_unavailable"
    REQUEST_TOO_LARGE = "request_too_large"
    NOT_AUTHENTICATED = "not_authenticated"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    THROTTLED = "throttled"
    SERVER_ERROR = "server_error"
    # The committee stage (人社部令第40号).
    QUORUM_NOT_MET = "quorum_not_met"
    VOTING_CLOSED = "voting_closed"
    RECORD_SEALED = "record_sealed"
    ALREADY_RECORDED = "already_recorded"


# HTTP status the API answers with for each code.
HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONCURRENT_UPDATE: 409,
    ErrorCode.ILLEGAL_TRANSITION: 409,
    ErrorCode.REQUEST_TOO_LARGE: 413,
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.THROTTLED: 429,
    ErrorCode.SERVER_ERROR: 500,
    ErrorCode.RECORD_SEALED: 409,
    ErrorCode.ALREADY_RECORDED: 409,
}


class DomainError(Exception):
    """A refusal the user must be told about, in Chinese, with a typed code."""

    code: ErrorCode = ErrorCode.INVALID_INPUT

    def __init__(self, message: str, *, code: ErrorCode | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 400)

    def as_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": self.message, "details": self.details}


class PermissionDenied(DomainError):
    code = ErrorCode.PERMISSION_DENIED


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class ValidationFailed(DomainError):
    code = ErrorCode.INVALID_INPUT


# ---- refusals of the dossier's life cycle (dossiers services and workflow actions) ----


class NotEditable(DomainError):
    code = ErrorCode.NOT_EDITABLE


class Incomplete(DomainError):
    code = ErrorCode.INCOMPLETE


class Ineligible(DomainError):
    code = ErrorCode.INELIGIBLE


class SubmissionLimitReached(DomainError):
    code = ErrorCode.SUBMISSION_LIMIT


class IllegalTransition(DomainError):
    code = ErrorCode.ILLEGAL_TRANSITION


class ConcurrentUpdate(DomainError):
    code = ErrorCode.CONCURRENT_UPDATE


class OutsideWindow(DomainError):
    code = ErrorCode.OUTSIDE_WINDOW


class ReturnDeadlinePassed(DomainError):
    code = ErrorCode.DEADLINE_PASSED


# ---- refusals of the committee stage ----


class QuorumNotMet(DomainError):
    """Fewer than the policy's share (2/3) of the committee's members attend: the meeting cannot vote."""

    code = ErrorCode.QUORUM_NOT_MET


class VotingClosed(DomainError):
    """A ballot after the count, or for a dossier not open to the vote: no late votes."""

    code = ErrorCode.VOTING_CLOSED


class RecordSealed(DomainError):
    """Sealed minutes (or another sealed record) cannot change; a correction is a new, linked record."""

    code = ErrorCode.RECORD_SEALED


class AlreadyRecorded(DomainError):
    """The one-per-person thing was already done (a second ballot, a second payment)."""

    code = ErrorCode.ALREADY_RECORDED
