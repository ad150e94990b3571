# The dossier tests' filled dossier (every section, every required attachment) serves the dossier page here.
from tests.dossiers.conftest import applicant, dossier, filled_dossier  # noqa: F401
