"""upload_url's checks, the job it creates, and the PUT URL it hands back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from performia.cloud.messages import job_id_for_upload, parse_upload
from performia.cloud.uploads import create_upload
from performia.errors import BadInputError
from performia.jobs.base import JobStatus
from performia.jobs.memory import MemoryJobStore
from performia.settings import output_params


class Signer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, timedelta, int]] = []

    def upload_target(self, key: str, *, content_type: str, expires: timedelta, size: int):
        self.calls.append((key, content_type, expires, size))
        return (
            "PUT",
            f"https://upload.example/{key}?sig=x",
            {"x-goog-content-length-range": f"0,{size}"},
        )


def _params(**params):
    return {"filename": "a.mp3", "size": 10, "params": params}


def upload(request, jobs=None, signer=None):
    return create_upload(request, jobs=jobs or MemoryJobStore(), signer=signer or Signer())


def test_a_valid_request_creates_the_job_and_signs_a_put_for_it():
    jobs, signer = MemoryJobStore(), Signer()
    ticket = upload(
        {
            "filename": "C:\\Music\\Morning Light.MP3",
            "size": 4_000_000,
            "contentType": "audio/mp3",
            "params": {"lyrics": "la la", "language": "fr", "max_duration_s": 300},
        },
        jobs,
        signer,
    )
    assert ticket.key == f"uploads/{ticket.job_id}/Morning Light.MP3"
    # the signature binds the declared length: the browser sends the header it was signed with
    assert signer.calls == [(ticket.key, "audio/mpeg", timedelta(minutes=15), 4_000_000)]
    record = jobs.get(ticket.job_id)
    # the engine profile is the server's, never the client's (the engines' licences)
    assert record.status is JobStatus.PENDING
    assert record.params == {
        **output_params(),
        "lyrics": "la la",
        "language": "fr",
        "max_duration_s": 300.0,
        "profile": "default",
    }
    body = ticket.to_dict()
    assert body["method"] == "PUT" and body["headers"] == {
        "Content-Type": "audio/mpeg",
        "x-goog-content-length-range": "0,4000000",
    }
    # the finalize notification for that object finds the same job
    obj = parse_upload({"bucket": "b", "name": ticket.key, "generation": "1"})
    assert job_id_for_upload(obj) == ticket.job_id


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"size": 10}, "give the file's name"),
        ({"filename": "notes.pdf", "size": 10}, "not a recording Performia reads"),
        ({"filename": "a.mp3", "size": 0}, "empty or its size is unknown"),
        ({"filename": "a.mp3", "size": "10"}, "empty or its size is unknown"),
        ({"filename": "a.mp3", "size": 10**10}, "the limit is 500 MB"),
        ({"filename": "a.mp3", "size": 10, "contentType": "video/mp4"}, "but a .mp3 file is"),
        ({"filename": "a.mp3", "size": 10, "params": [1]}, "params must be an object"),
        # limits may only be lowered, engines are the server's, junk is named
        (_params(max_duration_s="1e7"), "params.max_duration_s must be a number"),
        (_params(max_duration_s=1e7), "may only lower the limit of 1200 s"),
        (_params(max_duration_s=float("nan")), "finite"),
        (_params(max_duration_s=-5), "greater than 0"),
        (_params(max_duration_s=True), "must be a number"),
        (_params(asr_model="/etc/passwd"), "params.asr_model is decided by the server"),
        (_params(profile="default"), "params.profile is decided by the server"),
        (_params(separator="demucs"), "params.separator is decided by the server"),
        (_params(evil="x"), "params.evil is not a parameter Performia takes"),
        (_params(title="t" * 201), "params.title string should have at most 200 characters"),
        (_params(title="a\x00b"), "control characters"),
        (_params(lyrics=["la"]), "params.lyrics input should be a valid string"),
        (_params(language="../../x"), "language code"),
    ],
)
def test_bad_requests_say_what_to_change_and_create_nothing(request_, message):
    jobs = MemoryJobStore()
    with pytest.raises(BadInputError, match=message):
        upload(request_, jobs)
    assert jobs._docs == {}


def test_error_messages_never_echo_control_or_format_characters():
    """A right-to-left override in a name would make the message read as something else."""
    from performia.cloud.uploads import create_upload
    from performia.errors import BadInputError
    from performia.jobs.memory import MemoryJobStore

    with pytest.raises(BadInputError) as refused:
        create_upload({"filename": "song\u202e3pm.exe\x00", "size": 10}, jobs=MemoryJobStore(),
                      signer=None)  # fmt: skip
    assert str(refused.value).startswith("song3pm.exe is not a recording")
