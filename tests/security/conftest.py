from __future__ import annotations

# Fixtures shared with the dossier and documents tests.
from tests.documents.conftest import draft_dossier  # noqa: F401
from tests.dossiers.conftest import applicant, dossier  # noqa: F401
