# The masking tests' dossier (with the applicant's identity) and upload helper serve the expert tests too.
from tests.masking.conftest import certificate, dossier, upload  # noqa: F401
