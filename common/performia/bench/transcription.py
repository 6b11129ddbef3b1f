"""How well, and how fast, speech recognition hears synthesised lyrics.

Accuracy: each song of :data:`performia.bench.lyrics.LYRIC_SONGS` (the one lyric song set: eight
songs in verse / chorus form, 72 to 160 BPM, 3/4 and 4/4, sung as phrases over a quiet, normal
or loud band) is rendered by :func:`performia.bench.lyrics.render_lyric_song`, which records
where every word was put. Recognition runs without the lyrics on

* ``vocals``: the voice stem alone (what a perfect separator would hand over), and
* ``mix <gain>``: the whole song with the voice at :data:`VOCAL_GAINS` against the song's band
  preset (0.8 is the lyric bench's own level); each condition's vocal-to-band ratio, in dB of
  RMS while the voice sounds, is reported, per song and as the mean over the songs.

Scores, per model and condition, pooled over the songs:

==============  ================================================================================
metric          how
==============  ================================================================================
wer             word errors (substitutions, deletions, insertions) over sung words, after
                :func:`~performia.transcription.normalise.normalise_words`; pooled: total
                errors over total words, so a long song weighs more
onset_mae       mean |recognised start − placed start| (s) over the words recognised correctly
                (aligned as hits)
onset_within    share of *all* sung words recognised correctly with a start within
                ``tolerance`` (0.3 s) of the truth: a missed word counts against it
==============  ================================================================================

Speed: a 180 s song (90 bars at 120 BPM, one word per beat from the bench songs' lines, about
300 words) is recognised in a fresh Python process pinned to ``threads`` cores (the product's
worker has 2), which reports the model load time, the recognition time, the real-time factor
(recognition seconds over song seconds) and the process's peak resident memory
(:func:`performia.bench.memory.peak_rss_mb`). Its WER on the mix is reported too.

Measured (faster-whisper, int8, beam 5, no VAD; 2 cores of a machine shared with other jobs,
one run each): on the 181 s speed song (289 words), tiny.en loaded in 0.4 s and recognised it
in 7.9 s (RTF 0.044, peak 406 MB, WER 0.30); base in 0.5 s and 15.1 s (RTF 0.083, peak 461 MB,
WER 0.19). On one lyric song, ``waltz_of_the_harbour_120`` (43 s, 60 words), tiny.en's WER was
0.28 on the voice alone, 0.22 / 0.23 / 0.62 in the mix with the voice at +1.0 / −2.6 / −6.6 dB
against the band, and base's 0.18 on the voice alone. The pooled accuracy over the whole song
set has not been measured since the bench moved to these songs (the numbers before were for
ten other songs of one word per beat and do not carry over); ``performia bench transcription``
measures it.

The songs come from fixed lyrics and seeds, so scores repeat between runs up to the decoder's
temperature fallback (a decoding that fails its checks is redone by sampling).
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from performia.analysis.results import Transcript
from performia.bench.lyrics import LYRIC_SONGS, SR, LyricSong, render_lyric_song
from performia.bench.memory import run_child
from performia.settings import ANALYSIS_SR
from performia.testing.synth import render_song, speak
from performia.testing.truth import WordTruth
from performia.transcription.base import WHISPER_SR, prepare_audio
from performia.transcription.normalise import normalise_words
from performia.transcription.wer import word_edits

__all__ = [
    "CONDITIONS",
    "ONSET_TOLERANCE_S",
    "VOCAL_GAINS",
    "bench_lines",
    "render_condition",
    "run_transcription_bench",
    "run_transcription_speed",
    "score_words",
    "speed_song",
    "transcription_table",
    "vocal_to_band_db",
]

#: A recognised start this close to the placed start counts as right (s).
ONSET_TOLERANCE_S = 0.3
#: Voice gains for the mix conditions: louder than the band, the lyric bench's own level, softer.
VOCAL_GAINS = (1.2, 0.8, 0.5)
#: Conditions, in report order.
CONDITIONS = ("vocals", *(f"mix {g:g}" for g in VOCAL_GAINS))
#: Product target for tiny.en on this material.
TARGET_WER = 0.25


def vocal_to_band_db(stems: dict[str, np.ndarray], words: Sequence[WordTruth], sr: int) -> float:
    """Vocal-to-band ratio (dB of RMS) over the samples where a word sounds."""
    mask = np.zeros(len(stems["vocals"]), dtype=bool)
    for w in words:
        mask[round(w.start * sr) : round(w.end * sr)] = True
    band = sum(y for name, y in stems.items() if name != "vocals")
    voice = stems["vocals"][mask].astype(np.float64)
    rest = np.asarray(band)[mask].astype(np.float64)
    return float(10.0 * np.log10(np.mean(voice**2) / max(float(np.mean(rest**2)), 1e-20)))


def score_words(
    truth: Sequence[WordTruth],
    transcript: Transcript,
    *,
    tolerance: float = ONSET_TOLERANCE_S,
) -> dict[str, float | int]:
    """WER and onset errors of ``transcript`` against the placed words.

    Both sides are normalised word by word (a word may become several tokens: ``twenty-one``);
    a word's onset is scored when its first token is aligned as a hit with the first token of a
    recognised word. Returns ``wer``, ``errors``, ``n_words`` (sung), ``n_recognised``,
    ``onset_mae`` (NaN when nothing was hit), ``onset_within`` and ``n_onsets``.
    """
    ref, ref_first = _tokens([w.text for w in truth])
    hyp, hyp_first = _tokens([w.text for w in transcript.words])
    edits = word_edits([t for t, _ in ref], [t for t, _ in hyp])
    errors: list[float] = []
    for i, j in edits.pairs:
        if i is None or j is None or ref[i][0] != hyp[j][0]:
            continue
        if i in ref_first and j in hyp_first:
            sung, heard = truth[ref[i][1]], transcript.words[hyp[j][1]]
            errors.append(abs(heard.start - sung.start))
    n_ref_tokens = len(ref)
    return {
        "wer": edits.wer,
        "errors": edits.errors,
        "n_tokens": n_ref_tokens,
        "n_words": len(truth),
        "n_recognised": len(transcript.words),
        "n_onsets": len(errors),
        "onset_mae": float(np.mean(errors)) if errors else float("nan"),
        "onset_within": (sum(e <= tolerance for e in errors) / len(truth)) if truth else 1.0,
    }


def _tokens(words: Sequence[str]) -> tuple[list[tuple[str, int]], set[int]]:
    """Normalised tokens with the index of the word each came from, and which tokens start one."""
    tokens: list[tuple[str, int]] = []
    first: set[int] = set()
    for index, word in enumerate(words):
        parts = normalise_words(word)
        if parts:
            first.add(len(tokens))
        tokens.extend((p, index) for p in parts)
    return tokens, first


def _pool(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Scores pooled over songs: errors over tokens, onsets over all sung words."""
    tokens = sum(r["n_tokens"] for r in rows)
    words = sum(r["n_words"] for r in rows)
    onsets = sum(r["n_onsets"] for r in rows)
    mae = sum(r["onset_mae"] * r["n_onsets"] for r in rows if r["n_onsets"]) / max(onsets, 1)
    within = sum(r["onset_within"] * r["n_words"] for r in rows) / max(words, 1)
    seconds = sum(r["seconds"] for r in rows)
    duration = sum(r["duration"] for r in rows)
    return {
        "wer": sum(r["errors"] for r in rows) / max(tokens, 1),
        "wer_worst": max(r["wer"] for r in rows),
        "onset_mae": mae if onsets else float("nan"),
        "onset_within": within,
        "rtf": seconds / duration if duration else float("nan"),
    }


def render_condition(
    song: LyricSong, condition: str
) -> tuple[np.ndarray, tuple[WordTruth, ...], float | None]:
    """What the recogniser hears of ``song`` in ``condition``: ``(audio, words, ratio)``.

    The audio is float32 mono at the recogniser's own rate (``WHISPER_SR``; the engines
    resample any other rate the same way), so a whole set of songs and conditions fits in a
    quarter of the memory the 44.1 kHz renders would take. ``ratio`` is the voice-to-band ratio
    in dB (:func:`vocal_to_band_db`), ``None`` for the voice stem alone.
    """
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; known: {', '.join(CONDITIONS)}")
    gain = None if condition == "vocals" else float(condition.split()[1])
    mix, truth, stems = render_lyric_song(song, vocal_gain=gain)
    if condition == "vocals":
        return prepare_audio(stems["vocals"], SR), truth.words, None
    return prepare_audio(mix, SR), truth.words, vocal_to_band_db(stems, truth.words, SR)


def run_transcription_bench(
    *,
    models: Sequence[str] = ("tiny.en", "base"),
    engine: str = "faster-whisper",
    songs: Sequence[str] | None = None,
    conditions: Sequence[str] = CONDITIONS,
    vad_filter: Sequence[bool] | None = None,
    speed: bool = True,
    speed_threads: int = 2,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Score recognition on the lyric songs and, when ``speed``, time each model on 180 s.

    Parameters
    ----------
    models
        Model names or paths for ``engine``.
    songs
        Names from :data:`performia.bench.lyrics.LYRIC_SONGS` (all by default).
    conditions
        Any of :data:`CONDITIONS`.
    vad_filter
        faster-whisper only: run each setting of the voice-activity filter (default: the
        engine's own choice only).
    on_row
        Called with each song's row as it is scored (progress).

    Returns
    -------
    dict
        ``rows`` (one per model, VAD setting, condition and song), ``summary`` (pooled per model,
        VAD setting and condition), ``conditions`` (mean vocal-to-band dB of each), ``speed``
        (one entry per model, see :func:`run_transcription_speed`) and ``target_wer``.

    Raises
    ------
    ValueError
        An unknown song or condition, or none (before anything is rendered).
    """
    from performia.transcription.base import get_recognizer

    chosen = _chosen_songs(songs)
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown or not conditions:
        raise ValueError(f"unknown conditions {unknown}; known: {', '.join(CONDITIONS)}")
    rendered = {(song.name, c): render_condition(song, c) for song in chosen for c in conditions}

    rows: list[dict[str, Any]] = []
    settings = [None] if vad_filter is None else list(vad_filter)
    for model in models:
        for vad in settings:
            if vad is None:
                recognizer = get_recognizer(engine, model, "cpu")
            else:
                from performia.transcription.faster_engine import FasterWhisperRecognizer

                recognizer = FasterWhisperRecognizer(model, device="cpu", vad_filter=vad)
            used_vad = getattr(recognizer, "vad_filter", None)
            for condition in conditions:
                for song in chosen:
                    y, words, ratio = rendered[(song.name, condition)]
                    started = time.perf_counter()
                    transcript = recognizer.transcribe(y, sr=WHISPER_SR, language="en")
                    seconds = time.perf_counter() - started
                    row = {
                        "model": model,
                        "vad_filter": used_vad,
                        "condition": condition,
                        "song": song.name,
                        "bpm": song.bpm,
                        "band": song.band,
                        "vocal_to_band_db": ratio,
                        "duration": len(y) / WHISPER_SR,
                        "seconds": seconds,
                        **score_words(words, transcript),
                        "text": " ".join(w.text for w in transcript.words),
                    }
                    rows.append(row)
                    if on_row is not None:
                        on_row(row)
    summary = []
    for model in models:
        for vad in sorted({r["vad_filter"] for r in rows if r["model"] == model}, key=str):
            for condition in conditions:
                group = [
                    r
                    for r in rows
                    if r["model"] == model
                    and r["vad_filter"] == vad
                    and r["condition"] == condition
                ]
                summary.append(
                    {"model": model, "vad_filter": vad, "condition": condition, **_pool(group)}
                )

    def mean_ratio(condition: str) -> float | None:
        """The mean voice-to-band ratio over the songs; None for the voice stem alone."""
        known = [r for s in chosen if (r := rendered[(s.name, condition)][2]) is not None]
        return float(np.mean(known)) if known else None

    report: dict[str, Any] = {
        "engine": engine,
        "songs": [s.name for s in chosen],
        "words": sum(len(rendered[(s.name, conditions[0])][1]) for s in chosen),
        "conditions": {c: mean_ratio(c) for c in conditions},
        "rows": rows,
        "summary": summary,
        "target_wer": TARGET_WER,
        "speed": [],
    }
    if speed:
        report["speed"] = [
            run_transcription_speed(model, engine=engine, threads=speed_threads) for model in models
        ]
    return report


def transcription_table(report: dict[str, Any]) -> Any:
    """The pooled scores (one row per model, VAD setting and condition) and, when timed, the
    speed of each model on the long song, as one printable rich group."""
    from rich.console import Group
    from rich.table import Table

    def cell(value: Any, spec: str) -> str:
        return "–" if value is None or value != value else format(value, spec)  # None or NaN

    accuracy = Table(
        title=f"Recognition without lyrics: {len(report['songs'])} songs, {report['words']} "
        f"words ({report['engine']}; target WER ≤ {report['target_wer']:g} for tiny.en)"
    )
    columns = ("model", "VAD", "condition", "voice/band dB", "WER", "worst song", "within 0.3 s")
    for column in (*columns, "onset MAE s", "RTF"):
        left = column in ("model", "VAD", "condition")
        accuracy.add_column(column, justify="left" if left else "right", no_wrap=left)
    for s in report["summary"]:
        accuracy.add_row(
            s["model"],
            "–" if s["vad_filter"] is None else ("on" if s["vad_filter"] else "off"),
            s["condition"],
            cell(report["conditions"].get(s["condition"]), "+.1f"),
            cell(s["wer"], ".3f"),
            cell(s["wer_worst"], ".3f"),
            cell(s["onset_within"], ".1%"),
            cell(s["onset_mae"], ".2f"),
            cell(s["rtf"], ".3f"),
        )
    if not report["speed"]:
        return Group(accuracy)
    speed = Table(title="Speed on a long song, each model in a fresh pinned process")
    speed_columns = ("model", "song s", "cores", "load s", "seconds", "RTF", "peak RSS MB", "WER")
    for column in (*speed_columns, "status"):
        left = column in ("model", "status")
        speed.add_column(column, justify="left" if left else "right", no_wrap=left)
    for e in report["speed"]:
        speed.add_row(
            e["model"],
            cell(e["duration"], ".0f"),
            str(e["threads"]),
            cell(e.get("load_seconds"), ".1f"),
            cell(e.get("seconds"), ".1f"),
            cell(e.get("rtf"), ".3f"),
            cell(e.get("peak_rss_mb"), ".0f"),
            cell(e.get("wer"), ".3f"),
            e["status"].split(":")[0],
        )
    return Group(accuracy, speed)


def _chosen_songs(names: Sequence[str] | None) -> list[LyricSong]:
    if not names:
        return list(LYRIC_SONGS)
    by_name = {s.name: s for s in LYRIC_SONGS}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(f"unknown songs {unknown}; known: {', '.join(by_name)}")
    return [by_name[n] for n in names]


# ----------------------------------------------------------------------------------------- speed


def bench_lines() -> list[str]:
    """Every lyric bench song's distinct lines, in order: what the speed song cycles through."""
    lines = (line for song in LYRIC_SONGS for line in song.given.splitlines())
    return list(dict.fromkeys(lines))


def speed_song(
    *, seconds: float = 180.0, bpm: float = 120.0, sr: int = ANALYSIS_SR
) -> tuple[np.ndarray, tuple[WordTruth, ...]]:
    """A ``seconds``-long song at ``bpm`` whose words fill its beats with the bench lyrics."""
    meter = 4
    period = 60.0 / bpm
    bars = max(3, round((seconds - 1.0) / (meter * period)))
    budget = (bars - 1) * meter - 1  # beats from bar 2, with one to spare
    words: list[str] = []
    used = 0
    lines = bench_lines()
    index = 0
    while True:
        line = lines[index % len(lines)].split()
        need = sum(max(1, math.ceil(len(speak(w, sr=sr)) / sr / period - 1e-9)) for w in line)
        if used + need > budget:
            break
        words.extend(line)
        used += need
        index += 1
    mix, truth, _ = render_song(
        bpm=bpm, bars=bars, lyrics=" ".join(words), timbre="piano", seed=90, sr=sr
    )
    return mix, truth.words


_MARK = "__performia_asr_bench__"
# Runs in the child: pin to the cores, load the model, recognise once, report as JSON.
_CHILD = f"""
import json, os, sys, time
request = json.loads(sys.argv[1])
os.sched_setaffinity(0, set(request["cores"]))
import numpy as np
from performia.transcription.base import get_recognizer
y = np.load(request["audio"])
t0 = time.perf_counter()
recognizer = get_recognizer(request["engine"], request["model"], "cpu")
load = time.perf_counter() - t0
t0 = time.perf_counter()
transcript = recognizer.transcribe(y, sr=request["sr"], language=request["language"])
seconds = time.perf_counter() - t0
from performia.bench.memory import peak_rss_mb
out = {{"load_seconds": load, "seconds": seconds, "peak_rss_mb": peak_rss_mb(),
       "transcript": transcript.to_dict()}}
print("{_MARK}", json.dumps(out), flush=True)
"""


def run_transcription_speed(
    model: str,
    *,
    engine: str = "faster-whisper",
    seconds: float = 180.0,
    threads: int = 2,
    sr: int = ANALYSIS_SR,
    timeout: float = 900.0,
) -> dict[str, Any]:
    """Recognise a ``seconds``-long song (:func:`speed_song`) in a fresh process on ``threads``
    cores; return its times, real-time factor, peak memory and WER, or ``status`` with why not.

    The child process is pinned with ``sched_setaffinity``, which the recogniser reads to size
    its thread pool, so the number is what a ``threads``-core worker would see.
    """
    cores = sorted(os.sched_getaffinity(0))[:threads]
    mix, words = speed_song(seconds=seconds, sr=sr)
    duration = len(mix) / sr
    entry: dict[str, Any] = {
        "model": model,
        "engine": engine,
        "duration": duration,
        "threads": len(cores),
        "words": len(words),
    }
    with tempfile.TemporaryDirectory(prefix="performia-asr-speed-") as folder:
        audio = Path(folder) / "song.npy"
        np.save(audio, mix)
        request = {
            "engine": engine,
            "model": model,
            "audio": str(audio),
            "sr": sr,
            "cores": cores,
            "language": "en",
        }
        out, status, entry["process_seconds"] = run_child(
            _CHILD, request, mark=_MARK, timeout=timeout
        )
    if out is None:
        return {**entry, "status": status}
    transcript = Transcript.from_dict(out["transcript"])
    scores = score_words(words, transcript)
    return {
        **entry,
        "status": "ok",
        "load_seconds": out["load_seconds"],
        "seconds": out["seconds"],
        "rtf": out["seconds"] / duration,
        "peak_rss_mb": out["peak_rss_mb"],
        "wer": scores["wer"],
        "onset_within": scores["onset_within"],
    }
