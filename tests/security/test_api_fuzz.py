"""Schema-driven fuzzing of the JSON API (issue 11 point 7): no request, however malformed, gets a 5xx.

schemathesis turns /api/openapi.json (taken from the API object itself) into hypothesis strategies, one per
operation; each generated request is sent through Django's test client with a signed-in applicant who owns a
dossier, so the routes run past their sign-in check. Bounded: FUZZ_EXAMPLES per operation (default 12).
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok

from config.api import api

pytestmark = pytest.mark.django_db

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations() if isinstance(result, Ok)]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


def _send(client: Client, case: Any) -> Any:
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    url = urlsplit(kwargs["url"])
    path = url.path + (f"?{url.query}" if url.query else "")
    params = kwargs.get("params") or {}
    method = kwargs["method"].lower()
    if "json" in kwargs:
        return client.generic(
            method.upper(),
            path,
            data=json.dumps(kwargs["json"]),
            content_type="application/json",
            QUERY_STRING=urlencode(params, doseq=True),
        )
    if kwargs.get("files") is not None or kwargs.get("data") is not None:
        fields: dict[str, Any] = dict(kwargs.get("data") or {})
        for name, value in (kwargs.get("files") or {}).items() if isinstance(kwargs.get("files"), dict) else []:
            content = value[1] if isinstance(value, tuple) else value
            raw = content if isinstance(content, bytes) else str(content).encode()
            fields[name] = SimpleUploadedFile("fuzz.jpg", raw, content_type="image/jpeg")
        return getattr(client, method)(
            path, data=fields, **({} if method == "post" else {"content_type": "multipart/form-data"})
        )
    return client.generic(method.upper(), path, QUERY_STRING=urlencode(params, doseq=True))


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{op.method.upper()} {op.path}" for op in OPERATIONS])
def test_no_generated_request_gets_a_5xx(operation, applicant, dossier):
    client = Client(raise_request_exception=False)
    client.force_login(applicant)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), own=st.booleans())
    def run(case: Any, own: bool) -> None:
        if own and "dossier_id" in (case.path_parameters or {}):
            case.path_parameters["dossier_id"] = dossier.pk  # reach the route's logic, not only its 404
        response = _send(client, case)
        assert response.status_code < 500, (case.method, case.formatted_path, case.query, repr(case.body)[:300])
        if response.status_code >= 400:
            assert response["Content-Type"].startswith("application/json"), response.content[:200]
            assert set(response.json()) == {"code", "message", "details"}

    run()
