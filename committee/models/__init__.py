"""The committee stage's records, one module per step: fees and paper receipt, defence, experts and draws,
meetings and the vote, results and certificates."""

from committee.models.assignments import ExpertAssignment
from committee.models.board import BoardCell, BoardStep, FeeFigures
from committee.models.defence import DefenceOutcome, DefenceScore, DefenceSession
from committee.models.experts import CommitteeMember, Draw, Expert, ExpertConflict, ReviewGroup
from committee.models.fees import Fee, FeeImport, FeeImportRow, PaperReceipt, RosterReceipt
from committee.models.meetings import Attendance, Ballot, BallotCast, Meeting, MeetingItem, Minutes, VoteCount
from committee.models.opinions import ExpertOpinion
from committee.models.results import Certificate, Objection, RecheckRequest, ResultsPublicity

__all__ = [
    "Attendance",
    "Ballot",
    "BallotCast",
    "BoardCell",
    "BoardStep",
    "Certificate",
    "CommitteeMember",
    "DefenceOutcome",
    "DefenceScore",
    "DefenceSession",
    "Draw",
    "Expert",
    "ExpertAssignment",
    "ExpertConflict",
    "ExpertOpinion",
    "Fee",
    "FeeFigures",
    "FeeImport",
    "FeeImportRow",
    "Meeting",
    "MeetingItem",
    "Minutes",
    "Objection",
    "PaperReceipt",
    "RecheckRequest",
    "ResultsPublicity",
    "ReviewGroup",
    "RosterReceipt",
    "VoteCount",
]
