"""The app against the production engines that can run here: Redis (cache) and an S3-compatible store (moto's
server mode on 127.0.0.1, a real HTTP S3 endpoint in a thread). An attachment goes in through the real upload
service and comes back through the permission-checked view as a short-lived presigned URL."""

from __future__ import annotations

import io
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import redis
from django.urls import reverse
from moto.server import ThreadedMotoServer

from dossiers import services
from tests.deploy.ports import free_port
from tests.dossiers.helpers import jpeg_bytes

REDIS_URL = "redis://127.0.0.1:6379/15"
BUCKET = "titles-test"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, **KEYS).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def production_engines(settings, s3_endpoint):
    """Django's S3 storage (django-storages) on the emulator and the Redis cache, as production configures them."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": KEYS["aws_access_key_id"],
                "secret_key": KEYS["aws_secret_access_key"],
                "region_name": KEYS["region_name"],
                "querystring_expire": 60,
                "signature_version": "s3v4",
                "default_acl": None,
            },
        },
    }
    settings.FILE_DELIVERY = "presigned"
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
    redis.Redis.from_url(REDIS_URL).flushdb()
    return boto3.client("s3", endpoint_url=s3_endpoint, **KEYS)


def test_attachment_round_trip_through_s3_and_the_permission_checked_view(
    production_engines, open_round, demo_users, client
):
    applicant, stranger = demo_users["demo_applicant"], demo_users["demo_applicant2"]
    dossier = services.dossier_create(actor=applicant, round_=open_round, level="mid", kind="evaluation")
    attachment = services.attachment_upload(
        dossier_id=dossier.pk,
        actor=applicant,
        section="basic_info",
        doc_type="id_front",
        upload=io.BytesIO(jpeg_bytes(text="s3 round trip")),
        original_name="id.jpg",
    )
    stored = production_engines.get_object(Bucket=BUCKET, Key=attachment.file.name)["Body"].read()
    assert stored[:3] == b"\xff\xd8\xff" and len(stored) == attachment.size_bytes

    url = reverse("dossiers:attachment_file", args=[attachment.pk])
    client.force_login(stranger)
    assert client.get(url).status_code == 404  # no redirect, no URL: the view refused before any hand-over

    client.force_login(applicant)
    response = client.get(url)
    assert response.status_code == 302
    location = response["Location"]
    assert parse_qs(urlparse(location).query)["X-Amz-Expires"] == ["60"]
    with urllib.request.urlopen(location, timeout=10) as served:
        assert served.headers["Content-Type"] == "image/jpeg"
        assert served.read() == stored


def test_healthz_checks_redis_and_s3(db, production_engines, client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"]["cache"]["ok"] and body["checks"]["storage"]["ok"]
    # The health check cleans up after itself: nothing is left in the bucket.
    assert production_engines.list_objects_v2(Bucket=BUCKET, Prefix="healthz/").get("KeyCount", 0) == 0
