"""The JSON API: one NinjaAPI, one router per domain app, OpenAPI schema at /api/openapi.json."""

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI
from ninja.security import django_auth

from core.api_errors import StrictJSONParser, install_error_handlers

api = NinjaAPI(
    title="职称申报评审平台 API",
    version="1.0",
    urls_namespace="api",
    auth=django_auth,
    docs_url="/docs",
    # The schema and its docs page describe every route; only signed-in users see them.
    docs_decorator=login_required,
    parser=StrictJSONParser(),
)
install_error_handlers(api)


def _mount() -> None:
    # Imported here so that every app's router is registered exactly once.
    from committee.api import router as committee_router
    from committee.api_review import router as review_router
    from documents.api import router as documents_router
    from dossiers.api import router as dossiers_router
    from eligibility.api import router as eligibility_router
    from masking.api import router as masking_router
    from workflow.api import dossier_actions_router
    from workflow.api import router as workflow_router

    api.add_router("/dossiers", dossiers_router)
    api.add_router("/dossiers", dossier_actions_router)  # submit, review steps: workflow.actions
    api.add_router("/eligibility", eligibility_router)
    api.add_router("/workflow", workflow_router)
    api.add_router("/documents", documents_router)
    api.add_router("/masking", masking_router)
    api.add_router("/committee", committee_router)
    api.add_router("/committee/review", review_router)  # blind review: redacted content, opinions


_mount()
