"""Property-based tests of what outsiders send: Pub/Sub messages, upload requests, saves.

Whatever arrives, each parser either accepts it or refuses it with the one error kind its
caller maps to "acknowledge and drop" (messages) or a 400 (requests). Any other exception would
be a retry storm or a 500, and an accepted upload must never carry a lifted limit.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from performia.cloud.library import publish_song, save_from_request
from performia.cloud.messages import (
    BadMessageError,
    parse_pushed,
    parse_stage_message,
    parse_upload,
)
from performia.cloud.upload_params import MAX_LYRICS_CHARS, MAX_NAME_CHARS, check_upload_params
from performia.cloud.uploads import create_upload
from performia.errors import BadInputError
from performia.jobs.memory import MemoryJobStore
from performia.settings import get_settings
from performia.songmap.io import parse_song_map
from performia.storage.local import LocalFolderStore
from performia.testing.documents import minimal_song_map

#: Derandomized: every run tries the same examples, so CI cannot turn red on a new draw (a
#: developer widens the search with HYPOTHESIS settings profiles when hunting).
RUNS = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: Any JSON value, a few levels deep.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
#: Values under the keys a parser looks at, so the checks past the first are reached too.
near = st.fixed_dictionaries(
    {},
    optional={
        "message": st.fixed_dictionaries(
            {},
            optional={
                "data": st.one_of(
                    json_values,
                    st.binary(max_size=60).map(lambda b: base64.b64encode(b).decode()),
                    json_values.map(lambda v: base64.b64encode(json.dumps(v).encode()).decode()),
                ),
                "messageId": json_values,
                "attributes": json_values,
            },
        ),
        "deliveryAttempt": st.one_of(st.integers(-5, 10), json_values),
        "subscription": json_values,
    },
)


@RUNS
@given(st.one_of(json_values, near))
def test_a_pushed_message_is_parsed_or_dropped_never_crashed(body):
    try:
        pushed = parse_pushed(body)
    except BadMessageError:
        return
    with contextlib.suppress(BadMessageError):
        parse_stage_message(pushed, stages={"ingest", "rhythm"})
    with contextlib.suppress(BadMessageError):
        parse_upload(pushed.json(), pushed.attributes)


@RUNS
@given(
    json_values, st.one_of(st.none(), st.dictionaries(st.text(max_size=12), st.text(max_size=20)))
)
def test_an_upload_notification_is_parsed_or_dropped_never_crashed(data, attributes):
    with contextlib.suppress(BadMessageError):
        parse_upload(data, attributes)


upload_params = st.one_of(
    json_values,
    st.dictionaries(
        st.sampled_from(["title", "artist", "album", "lyrics", "language", "max_duration_s",
                         "asr_model", "profile", "separator", "evil"]),
        json_values,
        max_size=4,
    ),
)  # fmt: skip


@RUNS
@given(upload_params)
def test_upload_params_are_checked_or_refused_and_never_lift_a_limit(params):
    try:
        checked = check_upload_params(params)
    except BadInputError:
        return
    assert set(checked) <= {"title", "artist", "album", "lyrics", "language", "max_duration_s"}
    for name in ("title", "artist", "album"):
        assert len(checked.get(name, "")) <= MAX_NAME_CHARS
    assert len(checked.get("lyrics", "")) <= MAX_LYRICS_CHARS
    if "max_duration_s" in checked:
        limit = checked["max_duration_s"]
        assert math.isfinite(limit) and 0 < limit <= get_settings().max_duration_s


class Signer:
    def upload_target(self, key, *, content_type, expires, size):
        return "PUT", f"https://upload.example/{key}", {"x-goog-content-length-range": f"0,{size}"}


requests = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "filename": st.one_of(st.text(max_size=30), st.sampled_from(["a.mp3", "../../x.wav",
                                                                         "song.flac"])),
            "size": st.one_of(st.integers(-10, 10**10), json_values),
            "contentType": json_values,
            "params": upload_params,
        },
    ),
)  # fmt: skip


@RUNS
@given(requests)
def test_an_upload_request_makes_one_job_or_a_400_and_nothing(request):
    jobs = MemoryJobStore()
    try:
        ticket = create_upload(request if isinstance(request, dict) else {"x": request},
                               jobs=jobs, signer=Signer(), owner="alice")  # fmt: skip
    except BadInputError:
        assert jobs._docs == {}
        return
    (record,) = (jobs.get(job_id) for job_id in jobs._docs)
    assert record.owner == "alice" and record.params["profile"] == get_settings().profile
    assert ticket.key.startswith(f"uploads/{ticket.job_id}/") and ".." not in ticket.key
    declared = record.input["sizeBytes"]
    assert dict(ticket.headers)["x-goog-content-length-range"] == f"0,{declared}"


SONG = minimal_song_map()


@RUNS
@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"songId": st.one_of(st.just(SONG["id"]), json_values),
             "baseVersion": json_values,
             "songMap": st.one_of(json_values, st.dictionaries(
                 st.sampled_from(list(SONG)), json_values, max_size=3).map(
                     lambda d: {**SONG, **d}))},
        ),
    )
)  # fmt: skip
def test_a_save_is_stored_or_refused_as_bad_input_never_crashed(tmp_path_factory, body):
    store = LocalFolderStore(tmp_path_factory.mktemp("library"))
    publish_song(store, parse_song_map(SONG), owner="alice")
    before = store.get("songs/0123456789abcdef/song_map.json")
    try:
        save_from_request(store, body, user="mallory")
    except BadInputError:
        assert store.get("songs/0123456789abcdef/song_map.json") == before
        return
    raise AssertionError("another user's save went through")
