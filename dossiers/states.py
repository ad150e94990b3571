"""The dossier states the code itself relies on, named once.

A round's policy (`workflow.states`) defines every state, its Chinese label and the transitions between
them; the code names only the states listed here. Each app that needs one registers it with
rounds.policy.require_states (see the apps' `ready()`), so a policy lacking it is refused at start.
"""

from __future__ import annotations

DRAFT = "draft"  # the policy's initial state; the applicant edits it (dossiers)
SUBMITTED = "submitted"  # waiting for the unit to take it into review
UNIT_PUBLICITY = "unit_publicity"  # under the unit's publicity (workflow: publicity ends, annex 2)
RECOMMENDED = "recommended"  # the unit recommended it to the county
PREFECTURE_REVIEW = "prefecture_review"  # formal review at the prefecture
COMMITTEE_RECEIVED = "committee_received"  # 评审委员会已接收材料: roster, evaluation form, expert view
RETURNED = "returned"  # sent back for changes; editable, resubmit before the deadline (notice 四(三))
ABANDONED = "abandoned"  # 视为放弃: the resubmission deadline passed
RETURNED_FINAL = "returned_final"  # returned at the last allowed submission: the application ended (notice 四(三))
# The committee stage's outcomes (committee; the roster's 是否通过 column reads them too).
PASSED = "passed"  # the vote reached 2/3 of the experts present (人社部令第40号)
NOT_PASSED = "not_passed"
CERTIFICATE_ISSUED = "certificate_issued"  # the electronic certificate was issued
CANCELLED = "cancelled"  # 弄虚作假: the application is cancelled (notice 五(一)14)

# The applicant may change section data and attachments only in these states.
EDITABLE_STATES = (DRAFT, RETURNED)
# States that never count as "reached the committee", even if the dossier once passed through it.
NOT_AT_COMMITTEE = (DRAFT, RETURNED, ABANDONED, RETURNED_FINAL)

# What the product code (dossiers, workflow, documents) needs every policy to define.
REQUIRED_STATES = (DRAFT, UNIT_PUBLICITY, COMMITTEE_RECEIVED, RETURNED, ABANDONED)
# Ends of an application: no resubmission; the applicant's page never offers one.
ENDED_STATES = (ABANDONED, RETURNED_FINAL, CANCELLED)
