"""upload_url's targets work: the emulator takes the file where the job expects it, and Cloud
Storage's V4 signature is made offline with a service account key."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from performia.cloud.messages import job_id_for_upload, parse_upload
from performia.cloud.signing import EmulatorUrlSigner, GCSUrlSigner
from performia.cloud.uploads import create_upload
from performia.jobs.memory import MemoryJobStore


@pytest.mark.emulator
def test_the_browser_uploads_to_the_emulator_and_the_job_is_found(
    gcs_emulator, gcs_client, gcs_bucket
):
    jobs = MemoryJobStore()
    signer = EmulatorUrlSigner(gcs_emulator, gcs_bucket)
    ticket = create_upload({"filename": "song.flac", "size": 3}, jobs=jobs, signer=signer)
    response = requests.request(
        ticket.method, ticket.url, data=b"fLa", headers={"Content-Type": ticket.content_type},
        timeout=10,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    blob = gcs_client.bucket(gcs_bucket).get_blob(ticket.key)
    assert blob.download_as_bytes() == b"fLa"
    obj = parse_upload({"bucket": gcs_bucket, "name": blob.name, "generation": blob.generation})
    assert job_id_for_upload(obj) == ticket.job_id and jobs.get(ticket.job_id)


@pytest.mark.emulator
def test_a_read_url_on_the_emulator_serves_the_object(gcs_emulator, gcs_client, gcs_bucket):
    key = "songs/river-1234/media/recording/my take (live).flac"
    gcs_client.bucket(gcs_bucket).blob(key).upload_from_string(b"fLaC-bytes")
    url = EmulatorUrlSigner(gcs_emulator, gcs_bucket).read_url(key, expires=timedelta(hours=1))
    response = requests.get(url, timeout=10)
    assert response.status_code == 200 and response.content == b"fLaC-bytes"


def _offline_signer():
    """A bucket and signer with a throwaway service-account key: V4 signing needs no network."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.cloud import storage
    from google.oauth2 import service_account

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    credentials = service_account.Credentials.from_service_account_info(
        {
            "type": "service_account",
            "client_email": "uploader@performia-test.iam.gserviceaccount.com",
            "private_key": pem,
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )
    bucket = storage.Client(project="performia-test", credentials=credentials).bucket("uploads")
    return GCSUrlSigner(bucket, credentials=credentials)


def test_cloud_storage_urls_are_v4_signed_puts_for_one_object():
    method, url, headers = _offline_signer().upload_target(
        "uploads/0123456789abcdef/song.mp3",
        content_type="audio/mpeg",
        expires=timedelta(minutes=15),
        size=4_000_000,
    )
    assert headers == {"x-goog-content-length-range": "0,4000000"}
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    assert method == "PUT"
    assert parsed.path == "/uploads/uploads/0123456789abcdef/song.mp3"
    assert query["X-Goog-Algorithm"] == ["GOOG4-RSA-SHA256"]
    assert query["X-Goog-Expires"] == ["900"]
    assert "content-type" in query["X-Goog-SignedHeaders"][0]
    # the length range is signed: a body larger than declared is refused by Cloud Storage
    assert "x-goog-content-length-range" in query["X-Goog-SignedHeaders"][0]


def test_cloud_storage_read_urls_are_v4_signed_gets_for_one_object_that_expire():
    url = _offline_signer().read_url(
        "songs/river-1234/media/stems/vocals.flac", expires=timedelta(hours=3)
    )
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    assert parsed.path == "/uploads/songs/river-1234/media/stems/vocals.flac"
    assert query["X-Goog-Algorithm"] == ["GOOG4-RSA-SHA256"]
    assert query["X-Goog-Expires"] == ["10800"]
    assert query["X-Goog-Signature"][0]
