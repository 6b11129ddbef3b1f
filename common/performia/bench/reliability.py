"""Reliability on the local stack: bad input, a burst of uploads, and faults, from outside.

Everything goes through the stack's front doors (:class:`~performia.devstack.DevStack`: the
emulators, fake-gcs-server, the functions host): HTTP requests to the functions as a browser
sends them, objects written into ``uploads/`` as a browser's signed upload lands, Pub/Sub
pushes. Three parts:

* :func:`bad_inputs`: each kind of bad input must end as a clear 4xx, or as a FAILED job whose
  ingest ran once (never retried as transient), within seconds; none may stay unfinished.
* :func:`burst`: ``n`` uploads at once must all end DONE; the wall time is reported.
* :func:`faults`: jobs in flight while storage writes fail, Firestore stops answering, the push
  endpoint answers 500, or the functions process is killed: none may be lost (every job ends
  DONE) and none may publish a second Song Map.

``performia bench reliability`` runs them and prints the table the README carries; the slow
test ``tests/cloud/test_reliability.py`` runs the same code with fewer uploads and asserts it.
"""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["Outcome", "bad_inputs", "burst", "faults", "reliability_table", "sample_song"]

SR = 22050
#: A bad input must be settled this quickly (seconds).
SETTLE_S = 30.0
#: How long the push endpoint answers 500.
PUSH_OUTAGE_S = 10.0
#: The stack's push ack deadline: well over any stage of the short test song (seconds), short
#: enough that a message the Pub/Sub emulator holds after a failed push comes back soon.
ACK_DEADLINE_S = 60
#: Deliveries before a dead letter on the fault stack: as many as a deployed subscription's
#: budget spans in minutes, since the emulator spends each in a second or three.
DELIVERY_ATTEMPTS = 30
#: A job in a fault scenario must be DONE within this (seconds).
FAULT_TIMEOUT_S = 420.0


@dataclass(frozen=True)
class Outcome:
    """One row of the reliability table."""

    part: str  # "bad input", "burst", "fault"
    kind: str
    via: str
    expected: str
    observed: str
    seconds: float
    ok: bool
    #: bad input: ingest deliveries (1: failed at once, never retried as transient)
    attempts: int | None = None
    #: burst and faults: jobs DONE / uploaded, lost (not DONE), duplicated Song Maps
    done: int | None = None
    jobs: int | None = None
    lost: int | None = None
    duplicated: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- inputs -------------------------------------------------------------------------------------
def sample_song(seconds: float = 8.0) -> bytes:
    """A short synthetic song (WAV) every stage can analyse."""
    from performia.testing import render_song

    bars = max(2, round(seconds / 2))
    mix, _truth, _stems = render_song(bpm=120.0, bars=bars, melody=[(62, 2), (65, 2)] * bars, sr=SR)
    return _wav(mix, SR)


def _wav(samples: np.ndarray, sr: int, fmt: str = "WAV") -> bytes:
    import soundfile as sf

    out = io.BytesIO()
    sf.write(out, samples, sr, format=fmt)
    return out.getvalue()


def _long_flac(seconds: float, sr: int, tone_hz: float | None) -> bytes:
    """``seconds`` of a quiet tone (or digital silence) as FLAC, written block by block."""
    import soundfile as sf

    out = io.BytesIO()
    block = sr * 60
    with sf.SoundFile(out, "w", samplerate=sr, channels=1, format="FLAC", subtype="PCM_16") as f:
        for start in range(0, int(seconds * sr), block):
            n = min(block, int(seconds * sr) - start)
            if tone_hz is None:
                f.write(np.zeros(n, dtype=np.float32))
            else:
                t = (start + np.arange(n)) / sr
                f.write((0.25 * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32))
    return out.getvalue()


def _video_only() -> bytes:
    """An MP4 with one video stream and no audio."""
    import av

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), i * 20, dtype=np.uint8), format="rgb24"
            )
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


def _mp3(seconds: float = 6.0) -> bytes:
    import av

    t = np.arange(int(seconds * SR)) / SR
    y = (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    out = io.BytesIO()
    with av.open(out, "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=SR, layout="mono")
        frame = av.AudioFrame.from_ndarray(y[None, :], format="flt", layout="mono")
        frame.sample_rate = SR
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def _bucket_cases() -> list[tuple[str, str, bytes, str]]:
    """(kind, object name, bytes, content type) written straight into ``uploads/``."""
    mp3 = _mp3()
    t = np.arange(10 * 48000) / 48000
    return [
        ("zero-length file", "empty.mp3", b"", "audio/mpeg"),
        ("truncated MP3 (first 600 bytes)", "cut short.mp3", mp3[:600], "audio/mpeg"),
        ("corrupt WAV header", "broken.wav", b"RIFF\0\0\0\0WAVEjunk" + bytes(4096), "audio/wav"),
        ("random bytes named .flac", "noise.flac", bytes(range(256)) * 64, "audio/flac"),
        ("text file named .mp3", "lyrics.mp3", b"Verse 1\nla la la\n" * 50, "audio/mpeg"),
        (
            "wrong extension: MP3 bytes named .wav",
            "actually mp3.wav",
            b"\0" * 10 + mp3[10:400],
            "audio/wav",
        ),
        ("digital silence", "silence.wav", _wav(np.zeros(SR * 10, np.float32), SR), "audio/wav"),
        (
            "ultrasonic only (21 kHz)",
            "dog whistle.wav",
            _wav((0.5 * np.sin(2 * np.pi * 21000 * t)).astype(np.float32), 48000),
            "audio/wav",
        ),
        (
            "2-hour recording (FLAC tone)",
            "two hours.flac",
            _long_flac(7200, 8000, 220.0),
            "audio/flac",
        ),
        (
            "decompression bomb: 2 h of silence in a tiny FLAC",
            "bomb.flac",
            _long_flac(7200, 8000, None),
            "audio/flac",
        ),
        ("video with no audio track", "clip.m4a", _video_only(), "audio/mp4"),
    ]


# -- the stack from outside --------------------------------------------------------------------
def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, _json(answer.read())
    except urllib.error.HTTPError as answer:
        return answer.code, _json(answer.read())


def _json(raw: bytes) -> dict[str, Any]:
    """An answer's JSON object; a plain-text answer as ``{"text": ...}``."""
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {"text": raw[:200].decode(errors="replace")}
    return value if isinstance(value, dict) else {"value": value}


def _signed(uid: str, project: str) -> dict[str, str]:
    from performia.cloud.auth import unsigned_token

    token = unsigned_token(uid, project=project)
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def _settle(jobs: Any, job_id: str, timeout: float) -> tuple[Any, float]:
    from performia.jobs.base import wait_for

    started = time.monotonic()
    try:
        record = wait_for(jobs, job_id, timeout=timeout, poll=0.1)
    except TimeoutError:
        record = None
    return record, time.monotonic() - started


def _http_cases(stack: Any) -> Iterator[tuple[str, str, str, Callable[[], tuple[int, dict]]]]:
    """(kind, via, expected status, request) sent to the HTTP functions."""
    url = stack.env["PERFORMIA_FUNCTIONS_URL"]
    alice = _signed("reliability-alice", stack.project)

    def upload(body: dict[str, Any], headers: dict[str, str] = alice) -> Callable:
        return lambda: _post(f"{url}/upload_url/", json.dumps(body).encode(), headers)

    good = {"filename": "song.mp3", "size": 1000, "contentType": "audio/mpeg"}
    yield "no sign-in", "upload_url", "401", upload(good, {"Content-Type": "application/json"})
    yield (
        "forged token",
        "upload_url",
        "401",
        upload(good, {**alice, "Authorization": "Bearer e30.e30.x"}),
    )
    yield "wrong extension (.pdf)", "upload_url", "400", upload({**good, "filename": "a.pdf"})
    yield "zero-length declared", "upload_url", "400", upload({**good, "size": 0})
    yield "huge declared size (10 GB)", "upload_url", "400", upload({**good, "size": 10**10})
    yield "wrong content type", "upload_url", "400", upload({**good, "contentType": "image/png"})
    yield (
        "junk param (max_duration_s: nan)",
        "upload_url",
        "400",
        upload({**good, "params": {"max_duration_s": "nan"}}),
    )
    yield (
        "limit-lifting param (max_duration_s: 1e7)",
        "upload_url",
        "400",
        upload({**good, "params": {"max_duration_s": 1e7}}),
    )
    yield (
        "server-only param (asr_model: a path)",
        "upload_url",
        "400",
        upload({**good, "params": {"asr_model": "/etc/passwd"}}),
    )
    yield (
        "unicode trick name (RTL override, NUL)",
        "upload_url",
        "400",
        upload({**good, "filename": "song\u202e3pm.exe\x00"}),
    )
    yield (
        "malformed JSON body",
        "upload_url",
        "400",
        lambda: _post(f"{url}/upload_url/", b"{not json", alice),
    )
    yield (
        "12 MB body",
        "save_song",
        "413",
        lambda: _post(f"{url}/save_song/", b'{"songId": "' + b"x" * (12 * 2**20) + b'"}', alice),
    )
    big_title = {
        "songId": "0123456789abcdef",
        "baseVersion": "1",
        "songMap": {"id": "0123456789abcdef", "title": "t" * 10**6},
    }
    yield (
        "1 MB title",
        "save_song",
        "400",
        lambda: _post(f"{url}/save_song/", json.dumps(big_title).encode(), alice),
    )
    yield (
        "another user's song",
        "library",
        "403",
        lambda: _post(
            f"{url}/library/",
            json.dumps({"op": "open", "songId": "0123456789abcdef"}).encode(),
            alice,
        ),
    )


def _push_cases(stack: Any) -> Iterator[tuple[str, bytes]]:
    """(kind, body) pushed straight at a stage function, as Pub/Sub would."""
    import base64

    def push(data: bytes, attributes: dict[str, str] | None = None) -> bytes:
        message = {
            "data": base64.b64encode(data).decode(),
            "messageId": "rel-1",
            "attributes": attributes or {},
        }
        return json.dumps(
            {"message": message, "subscription": "projects/p/subscriptions/s"}
        ).encode()

    yield "Pub/Sub message: data not JSON", push(b"\xff\xfe not json")
    yield (
        "Pub/Sub message: unknown job",
        push(b'{"jobId": "ffffffffffffffff", "stage": "separate"}'),
    )


def _upload_flood(stack: Any) -> Outcome:
    """41 upload requests in a row from one user: refused (429) long before the 41st."""
    url = stack.env["PERFORMIA_FUNCTIONS_URL"]
    headers = _signed("reliability-flood", stack.project)
    body = json.dumps({"filename": "song.mp3", "size": 1000}).encode()
    started = time.monotonic()
    answers = [_post(f"{url}/upload_url/", body, headers) for _ in range(41)]
    seconds = time.monotonic() - started
    statuses = [status for status, _ in answers]
    first = next((i for i, status in enumerate(statuses) if status == 429), None)
    if first is None:
        return Outcome(
            "bad input",
            "41 upload requests in a row from one user",
            "upload_url",
            "429",
            f"no 429 in 41: {sorted(set(statuses))}",
            seconds,
            False,
        )
    message = str(answers[first][1].get("error", ""))[:80]
    ok = all(status == 429 for status in statuses[first:])
    return Outcome(
        "bad input",
        "41 upload requests in a row from one user",
        "upload_url",
        "429 by the 41st",
        f"429 from request {first + 1} on: {message}",
        seconds,
        ok,
    )


def _save_by_another(stack: Any) -> Outcome:
    """Another user saves a song, without and then with an entry for it in their listing."""
    from performia.cloud.library import listing_key, publish_song
    from performia.songmap.io import parse_song_map
    from performia.storage.gcs import GCSStore
    from performia.testing.documents import minimal_song_map

    store = GCSStore(stack.bucket, client=stack.storage_client())
    doc = minimal_song_map(id="5eed0f0a11ce0001", title="Alice's")
    version = publish_song(store, parse_song_map(doc), owner="reliability-alice")
    url = stack.env["PERFORMIA_FUNCTIONS_URL"]
    body = json.dumps(
        {"songId": doc["id"], "baseVersion": version, "songMap": {**doc, "title": "Mallory's now"}}
    ).encode()
    mallory = _signed("reliability-mallory", stack.project)
    started = time.monotonic()
    without, _ = _post(f"{url}/save_song/", body, mallory)
    entry = {"songs": [{"songId": doc["id"], "title": "Alice's"}]}
    store.put(listing_key("reliability-mallory"), json.dumps(entry).encode())
    with_entry, answer = _post(f"{url}/save_song/", body, mallory)
    return Outcome(
        "bad input",
        "another user's save, without and with a listing entry",
        "save_song",
        "403, 403",
        f"{without}, {with_entry}: {answer.get('error', '')}",
        time.monotonic() - started,
        (without, with_entry) == (403, 403),
    )


def _not_a_push(stack: Any) -> Outcome:
    """A request that is not a Pub/Sub push at all (only a forged call can send one: in the
    cloud only Pub/Sub's service account may invoke a stage function)."""
    url = stack.env["PERFORMIA_FUNCTIONS_URL"]
    started = time.monotonic()
    status, _answer = _post(
        f"{url}/separate/", b'{"subscription": "s"}', {"Content-Type": "application/json"}
    )
    return Outcome(
        "bad input",
        "a request that is not a Pub/Sub push",
        "push",
        "400",
        f"{status}",
        time.monotonic() - started,
        status == 400,
    )


def _no_job(stack: Any, jobs: Any, kind: str, name: str, data: bytes) -> Outcome:
    """An object whose name no job may have: dropped, no job created, nothing read."""
    from performia.jobs.base import JobNotFoundError

    started = time.monotonic()
    job_id = stack.upload(name, data, "audio/mpeg")
    time.sleep(3.0)  # the notification has long been delivered by then
    try:
        jobs.get(job_id)
        observed, ok = "a job was created", False
    except JobNotFoundError:
        observed, ok = "dropped: no job", True
    return Outcome(
        "bad input", kind, "bucket", "dropped, no job", observed, time.monotonic() - started, ok
    )


def bad_inputs(stack: Any) -> list[Outcome]:
    """Every kind of bad input from outside; see the module docstring."""
    from performia.jobs.base import JobStatus

    rows: list[Outcome] = []
    for kind, via, expected, send in _http_cases(stack):
        started = time.monotonic()
        status, body = send()
        seconds = time.monotonic() - started
        message = str(body.get("error", ""))[:90]
        rows.append(
            Outcome(
                "bad input",
                kind,
                via,
                expected,
                f"{status}: {message}",
                seconds,
                str(status) == expected,
            )
        )

    url = stack.env["PERFORMIA_FUNCTIONS_URL"]
    for kind, push in _push_cases(stack):
        started = time.monotonic()
        status, _answer = _post(f"{url}/separate/", push, {"Content-Type": "application/json"})
        rows.append(
            Outcome(
                "bad input",
                kind,
                "push",
                "acknowledged, nothing runs",
                f"{status}",
                time.monotonic() - started,
                status in (200, 204),
            )
        )

    rows.append(_upload_flood(stack))
    rows.append(_save_by_another(stack))
    rows.append(_not_a_push(stack))
    jobs = stack.job_store()
    try:
        rows.append(_lying_size(stack, jobs))
        rows.append(
            _no_job(stack, jobs, "path-trick object name", "../../songs/evil/x.mp3", _mp3()[:600])
        )
        uploaded = [
            (kind, stack.upload(name, data, ctype)) for kind, name, data, ctype in _bucket_cases()
        ]
        started = time.monotonic()
        for kind, job_id in uploaded:
            record, _ = _settle(jobs, job_id, SETTLE_S)
            seconds = time.monotonic() - started
            if record is None:
                rows.append(
                    Outcome(
                        "bad input", kind, "bucket", "FAILED", "not settled (stuck)", seconds, False
                    )
                )
                continue
            attempts = record.stages["ingest"].attempts
            failed = record.status is JobStatus.FAILED and record.failed_stage == "ingest"
            observed = f"{record.status.value}: {(record.error or '')[:90]}"
            rows.append(
                Outcome(
                    "bad input",
                    kind,
                    "bucket",
                    "FAILED",
                    observed,
                    seconds,
                    failed and attempts == 1,
                    attempts=attempts,
                )
            )
    finally:
        jobs.client.close()
    return rows


def _lying_size(stack: Any, jobs: Any) -> Outcome:
    """Declared 1,000 bytes at upload_url, then 200 kB uploaded to the job's URL."""
    url = stack.env["PERFORMIA_FUNCTIONS_URL"]
    data = sample_song(4.0)
    status, ticket = _post(
        f"{url}/upload_url/",
        json.dumps({"filename": "small.wav", "size": 1000, "contentType": "audio/wav"}).encode(),
        _signed("reliability-liar", stack.project),
    )
    if status != 200:
        return Outcome(
            "bad input", "lying size", "upload", "FAILED", f"upload_url {status}", 0.0, False
        )
    started = time.monotonic()
    request = urllib.request.Request(
        ticket["uploadUrl"], data=data, method=ticket["method"], headers=ticket["headers"]
    )
    with urllib.request.urlopen(request, timeout=60):
        pass
    record, _ = _settle(jobs, ticket["jobId"], SETTLE_S)
    seconds = time.monotonic() - started
    if record is None:
        return Outcome(
            "bad input",
            "lying size (1,000 declared, 200 kB sent)",
            "upload",
            "FAILED",
            "not settled (stuck)",
            seconds,
            False,
        )
    attempts = record.stages["ingest"].attempts
    observed = f"{record.status.value}: {(record.error or '')[:90]}"
    ok = record.status.value == "FAILED" and "declared" in (record.error or "") and attempts == 1
    return Outcome(
        "bad input",
        f"lying size (1,000 declared, {len(data) // 1000} kB sent)",
        "upload",
        "FAILED, nothing read",
        observed,
        seconds,
        ok,
        attempts=attempts,
    )


# -- bursts and faults --------------------------------------------------------------------------
def _song_maps(stack: Any, song_ids: list[str]) -> int:
    """Song Maps published more than once: a revision kept where no edit was made."""
    bucket = stack.storage_client().bucket(stack.bucket)
    return sum(1 for sid in song_ids if any(bucket.list_blobs(prefix=f"songs/{sid}/revisions/")))


def _run_jobs(
    stack: Any,
    names: list[str],
    data: bytes,
    during: Callable[[Any, list[str]], None] | None,
    timeout: float,
) -> tuple[int, int, int, float, int]:
    """Upload ``names`` at once, run ``during`` while they are in flight, wait: (done, lost,
    duplicated, seconds, stage runs repeated)."""
    from performia.jobs.base import JobStatus

    jobs = stack.job_store()
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(min(16, len(names))) as pool:
            ids = list(pool.map(lambda n: stack.upload(n, data, "audio/wav"), names))
        if during is not None:
            during(jobs, ids)
        records = [_settle(jobs, job_id, timeout)[0] for job_id in ids]
        seconds = time.monotonic() - started
    finally:
        jobs.client.close()
    done = [r for r in records if r is not None and r.status is JobStatus.DONE]
    duplicated = _song_maps(stack, [r.song_id for r in done if r.song_id])
    reruns = sum(max(0, run.attempts - 1) for r in done for run in r.stages.values())
    return len(done), len(names) - len(done), duplicated, seconds, reruns


def burst(stack: Any, n: int, data: bytes | None = None) -> Outcome:
    """``n`` uploads written at the same moment; all must end DONE."""
    data = data or sample_song()
    done, lost, duplicated, seconds, _reruns = _run_jobs(
        stack, [f"burst {i:03d}.wav" for i in range(n)], data, None, timeout=60.0 + 20.0 * n
    )
    return Outcome(
        "burst",
        f"{n} uploads at once",
        "bucket",
        f"{n} DONE",
        f"{done} DONE in {seconds:.0f} s",
        seconds,
        done == n and duplicated == 0,
        done=done,
        jobs=n,
        lost=lost,
        duplicated=duplicated,
    )


def _once_running(jobs: Any, ids: list[str], timeout: float = 180.0) -> None:
    """Wait until a stage after ingest runs for one of ``ids``: the fault lands mid-stage."""
    from performia.jobs.base import StageState

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for job_id in ids:
            try:
                record = jobs.get(job_id)
            except Exception:  # not created yet
                continue
            if any(
                run.state is StageState.RUNNING
                for name, run in record.stages.items()
                if name != "ingest"
            ):
                return
        time.sleep(0.1)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _fault_window(
    proxy: Any, status: int, seconds: float, methods: set[str] | None = None, max_s: float = 60.0
) -> int:
    """Answer ``status`` for ``seconds``, and on until at least one request was refused (a
    fault nobody met proves nothing); the requests refused."""
    before, deadline = proxy.refused, time.monotonic() + max_s
    proxy.fail(status, seconds, methods)
    time.sleep(seconds)
    while proxy.refused == before and time.monotonic() < deadline:
        proxy.fail(status, 1.0, methods)
        time.sleep(1.0)
    proxy.fail(status, 0.0)
    return proxy.refused - before


def faults(stack: Any, *, jobs_each: int = 3, data: bytes | None = None) -> list[Outcome]:
    """Jobs in flight through each fault; needs a stack started with ``faults=True``."""
    data = data or sample_song()
    assert stack.storage_proxy is not None and stack.push_proxy is not None, "faults=True"
    met: list[str] = []

    def storage_fails(jobs: Any, ids: list[str]) -> None:
        _once_running(jobs, ids)
        writes = {"POST", "PUT", "PATCH"}
        met.append(f"{_fault_window(stack.storage_proxy, 503, 8.0, writes)} writes refused")

    def firestore_away(jobs: Any, ids: list[str]) -> None:
        _once_running(jobs, ids)
        with stack.paused("firestore"):
            time.sleep(10.0)
        met.append("10 s without Firestore")

    def push_500(jobs: Any, ids: list[str]) -> None:
        _once_running(jobs, ids)
        met.append(f"{_fault_window(stack.push_proxy, 500, PUSH_OUTAGE_S)} pushes answered 500")

    def killed(jobs: Any, ids: list[str]) -> None:
        _once_running(jobs, ids)
        stack.kill_functions()
        time.sleep(1.0)
        stack.restart_functions()
        met.append("killed mid-stage, restarted after 1 s")

    scenarios = [
        ("storage writes fail (503) for 8 s mid-stage", storage_fails),
        ("Firestore does not answer for 10 s mid-stage", firestore_away),
        ("functions process killed mid-stage", killed),
        (f"push endpoint answers 500 for {PUSH_OUTAGE_S:g} s", push_500),
    ]
    rows = []
    for n, (kind, during) in enumerate(scenarios):
        names = [f"fault{n} {i}.wav" for i in range(jobs_each)]
        met.clear()
        done, lost, duplicated, seconds, reruns = _run_jobs(
            stack, names, data, during, FAULT_TIMEOUT_S
        )
        hit = bool(met) and not met[0].startswith("0 ")
        rows.append(
            Outcome(
                "fault",
                kind,
                "stack",
                f"{jobs_each} DONE, 0 lost, 0 duplicated",
                f"{done} DONE, {lost} lost, {duplicated} duplicated ({', '.join(met)}; "
                f"{reruns} stage runs repeated)",
                seconds,
                hit and lost == 0 and duplicated == 0,
                done=done,
                jobs=jobs_each,
                lost=lost,
                duplicated=duplicated,
            )
        )
    return rows


def _printable(text: str) -> str:
    """``text`` with control and format characters (a right-to-left override, NUL) escaped, so
    a table of hostile names renders as written."""
    import unicodedata

    return "".join(ascii(c)[1:-1] if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)


def reliability_table(rows: list[Outcome]) -> str:
    """The README's reliability table (Markdown)."""
    lines = [
        "| part | what | through | expected | observed | seconds | ok |",
        "|---|---|---|---|---|---:|---|",
    ]
    for r in rows:
        observed = _printable(r.observed).replace("|", "/")
        lines.append(
            f"| {r.part} | {r.kind} | {r.via} | {r.expected} | {observed} | "
            f"{r.seconds:.1f} | {'yes' if r.ok else '**no**'} |"
        )
    return "\n".join(lines)
