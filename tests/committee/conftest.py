# The masking tests' dossier (with the applicant's identity) and upload helper serve the expert tests too.
import pytest

from tests.committee.stage import make_expert, open_committee_windows
from tests.masking.conftest import certificate, dossier, upload  # noqa: F401


@pytest.fixture
def stage_round(open_round):
    """The demo round with its paper, fee, defence and committee windows open today."""
    return open_committee_windows(open_round)


@pytest.fixture
def office(demo_users):
    return demo_users["demo_prefecture"]


@pytest.fixture
def experts(orgs):
    """Nine pool experts from outside any demo unit."""
    return [make_expert(orgs["BZ"]) for _ in range(9)]
