from __future__ import annotations

from tests.dossiers.conftest import applicant, dossier  # noqa: F401  (fixtures shared with the dossier tests)
