"""Choosing the artifact store by address: what ``PERFORMIA_ARTIFACTS`` configures."""

from __future__ import annotations

import pytest

from performia.errors import BadInputError
from performia.storage.local import LocalFolderStore
from performia.storage.locate import open_store


def test_a_folder_or_file_address_is_a_local_store(tmp_path):
    for address in (str(tmp_path), f"file://{tmp_path}"):
        store = open_store(address)
        assert isinstance(store, LocalFolderStore)
        store.put("songs/index.json", b"{}")
    assert (tmp_path / "songs" / "index.json").read_bytes() == b"{}"


@pytest.mark.parametrize(
    ("address", "message"),
    [("ftp://host/x", "not a store"), ("s3:///prefix", "names no bucket"), ("gs://", "no bucket")],
)
def test_unknown_schemes_and_missing_buckets_are_refused(address, message):
    with pytest.raises(BadInputError, match=message):
        open_store(address)


@pytest.mark.emulator
def test_an_s3_address_reaches_an_s3_compatible_server(s3_emulator, s3_client, monkeypatch):
    from performia.storage.s3 import S3Store

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_emulator)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3_client.create_bucket(Bucket="artifacts")

    store = open_store("s3://artifacts/performia")
    assert isinstance(store, S3Store)
    version = store.write_if("songs/index.json", b'{"songs": []}', version=None)
    assert store.read_versioned("songs/index.json") == (b'{"songs": []}', version)
    listed = s3_client.list_objects_v2(Bucket="artifacts")["Contents"]
    assert [o["Key"] for o in listed] == ["performia/songs/index.json"]
