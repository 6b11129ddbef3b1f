"""``performia bench melody``: the melody stress cases through the product's chain, beside anchors.

Each case of :mod:`performia.testing.melody_cases` is rendered at the analysis rate and goes
through what the pipeline does with an upload: the mix, encoded as FLAC, is decoded at
Spleeter's 44.1 kHz stereo and separated (the ``separate`` stage); the vocals stem is encoded as
FLAC and decoded at 22.05 kHz mono (how the ``melody`` stage reads it), beside the mix peak-
normalised to -1 dBFS (the ``ingest`` stage's ``audio.npy``). Every system then tracks the
melody and is scored with ``mir_eval.melody.evaluate`` on the truth's 10 ms grid:

* ``default``, ``commercial``: :func:`performia.analysis.melody.track_pitch` on the stem with
  the mix, in each engine profile;
* ``melodia-mix``, ``melodia-stem``: essentia's ``PredominantPitchMelodia`` with its default
  settings at 44.1 kHz (the signal resampled), on the mix and on the stem;
* ``pyin-stem``: ``librosa.pyin`` over 65-1250 Hz (2048-sample frames, 256 hop at 22.05 kHz) on
  the stem, with its own voicing;
* ``swift-f0-stem``: SwiftF0 over 65-1250 Hz on the stem, voiced where its confidence reaches
  0.5 (its calibration).

Metrics: overall accuracy (``oa``), raw pitch and raw chroma accuracy (``rpa``, ``rca``), voicing
recall (``vr``) and voicing false alarm (``vfa``). Everything is seeded, so two runs print the same
table; run it with one thread per engine (``OMP_NUM_THREADS=1 PERFORMIA_ENGINE_THREADS=1``) so
that timings are comparable and nothing else's cores are taken.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from performia.analysis.backends import import_essentia, import_librosa
from performia.analysis.melody import FMAX_HZ, FMIN_HZ, pitch_detector, track_pitch
from performia.settings import ANALYSIS_SR
from performia.testing.melody_cases import CASES, CaseTruth, describe, get_case, render_case

__all__ = [
    "METRICS",
    "SYSTEMS",
    "TARGET_OA",
    "melody_table",
    "run_melody_bench",
    "score_melody",
    "separate_like_the_pipeline",
    "status_lines",
]

#: Systems compared, in table order: the product's two profiles, then the anchors.
SYSTEMS = ("default", "commercial", "melodia-mix", "melodia-stem", "pyin-stem", "swift-f0-stem")
#: What each score is, in table order.
METRICS = ("oa", "rpa", "rca", "vr", "vfa")
#: The issue's bar: overall accuracy on every case.
TARGET_OA = 0.85
_MIR_EVAL_KEYS = {
    "oa": "Overall Accuracy",
    "rpa": "Raw Pitch Accuracy",
    "rca": "Raw Chroma Accuracy",
    "vr": "Voicing Recall",
    "vfa": "Voicing False Alarm",
}
#: Melodia's own rate: its default frame (2048) and hop (128) are meant at 44.1 kHz.
_MELODIA_SR = 44100
_UPLOAD_PEAK_DB = -1.0

Track = tuple[np.ndarray, np.ndarray]


def score_melody(truth: CaseTruth, times: np.ndarray, f0_hz: np.ndarray) -> dict[str, float]:
    """mir_eval's melody scores of an estimate (``times``, ``f0_hz`` with 0 for unvoiced)
    against the case's truth, on the truth's 10 ms grid.

    Returns ``{"oa", "rpa", "rca", "vr", "vfa"}``; an estimate with fewer than two frames
    scores as all unvoiced.
    """
    import mir_eval

    times = np.asarray(times, dtype=np.float64)
    f0_hz = np.asarray(f0_hz, dtype=np.float64)
    if len(times) < 2:
        times, f0_hz = truth.times, np.zeros(len(truth.times))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mir_eval warns when a side is all unvoiced
        result = mir_eval.melody.evaluate(truth.times, truth.f0_hz, times, np.maximum(f0_hz, 0))
    return {key: float(result[name]) for key, name in _MIR_EVAL_KEYS.items()}


def separate_like_the_pipeline(
    mix: np.ndarray, sr: int, separator: Any
) -> tuple[np.ndarray, np.ndarray]:
    """``(stem, mix)`` as the melody stage receives them from an upload of ``mix``.

    The upload is ``mix`` as 16-bit FLAC; separation decodes it at the engine's rate and
    layout; the stem is written as FLAC (mono, as the upload) and read back at ``sr``; the mix
    is the upload decoded at ``sr`` and peak-normalised to -1 dBFS, as ``ingest`` writes it.
    Both are float32 mono of the mix's length.
    """
    from performia.media import decode_audio
    from performia.separation import decode_for_engine, encode_flac, match_channels

    upload = encode_flac(mix[None, :], sr)
    limit = len(mix) / sr + 5.0
    engine_input = decode_for_engine(
        upload, sr=separator.sample_rate, channels=separator.channels, max_duration_s=limit
    )
    vocals = separator.separate(engine_input.audio)["vocals"]
    stem_flac = encode_flac(match_channels(vocals, 1), separator.sample_rate)
    stem = decode_audio(stem_flac, sr=sr, max_duration_s=limit).samples
    heard = decode_audio(upload, sr=sr, max_duration_s=limit).samples
    heard = heard * (10.0 ** (_UPLOAD_PEAK_DB / 20.0) / max(float(np.abs(heard).max()), 1e-9))

    def fit(y: np.ndarray) -> np.ndarray:
        return np.pad(y[: len(mix)], (0, max(0, len(mix) - len(y)))).astype(np.float32)

    return fit(stem), fit(heard)


# --------------------------------------------------------------------------------- the anchors


def _melodia(y: np.ndarray, sr: int) -> Track:
    """essentia ``PredominantPitchMelodia`` with its defaults, at 44.1 kHz."""
    import soxr

    es = import_essentia()
    resampled = soxr.resample(y, sr, _MELODIA_SR).astype(np.float32)
    melodia = es.PredominantPitchMelodia()  # defaults: 44.1 kHz, frame 2048, hop 128
    f0, _ = melodia(resampled)
    f0 = np.asarray(f0, dtype=np.float64)
    return np.arange(len(f0)) * 128 / _MELODIA_SR, f0


def _pyin(y: np.ndarray, sr: int) -> Track:
    librosa = import_librosa()
    f0, voiced, _ = librosa.pyin(
        y, fmin=FMIN_HZ, fmax=FMAX_HZ, sr=sr, frame_length=2048, hop_length=256
    )
    return np.arange(len(f0)) * 256 / sr, np.where(voiced, np.nan_to_num(f0), 0.0)


def _swift(y: np.ndarray, sr: int) -> Track:
    result = pitch_detector().detect(y, sr, fmin=FMIN_HZ, fmax=FMAX_HZ)
    return result.timestamps, np.where(result.confidence >= 0.5, result.pitch_hz, 0.0)


def _systems(stem: np.ndarray, mix: np.ndarray, sr: int) -> dict[str, Callable[[], Track]]:
    def ours(profile: str) -> Callable[[], Track]:
        def run() -> Track:
            track = track_pitch(y=stem, sr=sr, source="vocals", mix=mix, profile=profile)
            return track.times, track.f0_hz

        return run

    return {
        "default": ours("default"),
        "commercial": ours("commercial"),
        "melodia-mix": lambda: _melodia(mix, sr),
        "melodia-stem": lambda: _melodia(stem, sr),
        "pyin-stem": lambda: _pyin(stem, sr),
        "swift-f0-stem": lambda: _swift(stem, sr),
    }


# ------------------------------------------------------------------------------------ harness


def run_melody_bench(
    *,
    cases: Sequence[str] | None = None,
    sr: int = ANALYSIS_SR,
    on_case: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Render, separate and track every case (or those named); score each system.

    Returns a JSON-ready report: per case its settings, the truth's voiced share and carriers,
    each system's scores, seconds and status (``"ok"`` or why it did not run), and whether the
    default profile met :data:`TARGET_OA` and matched Melodia on the mix; then each system's
    mean scores.
    """
    from performia.separation import get_separator

    chosen = [get_case(name) for name in cases] if cases else list(CASES)
    separator = get_separator("spleeter", device="cpu")
    rows = []
    for case in chosen:
        started = time.perf_counter()
        mix, truth, _ = render_case(case, sr=sr)
        rendered = time.perf_counter()
        stem, heard = separate_like_the_pipeline(mix, sr, separator)
        separated = time.perf_counter()
        row: dict[str, Any] = {
            **describe(case),
            "truth": truth.to_dict(),
            "seconds": {
                "render": round(rendered - started, 2),
                "separate": round(separated - rendered, 2),
            },
            "systems": {},
        }
        for system, run in _systems(stem, heard, sr).items():
            began = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    times, f0 = run()
            except Exception as exc:  # an anchor missing is a result to report, not a crash
                row["systems"][system] = {"status": f"error: {type(exc).__name__}: {exc}"}
                continue
            row["systems"][system] = {
                "status": "ok",
                "seconds": round(time.perf_counter() - began, 2),
                **{k: round(v, 4) for k, v in score_melody(truth, times, f0).items()},
            }
        row["checks"] = _checks(row["systems"])
        rows.append(row)
        if on_case is not None:
            on_case(row)
    return {
        "sr": sr,
        "separator": separator.label,
        "target_oa": TARGET_OA,
        "systems": list(SYSTEMS),
        "cases": rows,
        "means": _means(rows),
    }


def _checks(systems: dict[str, dict[str, Any]]) -> dict[str, bool | None]:
    """Whether the default profile reached the target and matched Melodia on the mix."""
    ours = systems.get("default", {}).get("oa")
    melodia = systems.get("melodia-mix", {}).get("oa")
    return {
        "target": None if ours is None else ours >= TARGET_OA,
        "not_below_melodia_mix": None if ours is None or melodia is None else ours >= melodia,
    }


def _means(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    means: dict[str, dict[str, float]] = {}
    for system in SYSTEMS:
        scored = [r["systems"][system] for r in rows if "oa" in r["systems"].get(system, {})]
        if scored:
            means[system] = {m: round(float(np.mean([s[m] for s in scored])), 4) for m in METRICS}
    return means


def melody_table(report: dict[str, Any]) -> Any:
    """A rich table: one row per case and system, the scores, and a mean row per system."""
    from rich.table import Table

    table = Table(title=f"Melody stress cases through {report['separator']} (mir_eval)")
    for column in ("case", "system", *(m.upper() for m in METRICS), "s"):
        table.add_column(column, justify="left" if column in ("case", "system") else "right")
    for row in report["cases"]:
        for i, system in enumerate(SYSTEMS):
            result = row["systems"].get(system, {})
            name = row["name"] if i == 0 else ""
            if "oa" not in result:
                table.add_row(name, system, *["–"] * (len(METRICS) + 1))
                continue
            cells = [f"{result[m]:.3f}" for m in METRICS]
            if system == "default" and result["oa"] < report["target_oa"]:
                cells[0] = f"[red]{cells[0]}[/]"
            table.add_row(name, system, *cells, f"{result['seconds']:.1f}")
        table.add_section()
    for system, scores in report["means"].items():
        table.add_row("mean", system, *(f"{scores[m]:.3f}" for m in METRICS), "")
    return table


def status_lines(report: dict[str, Any]) -> list[str]:
    """One line per system that did not run, and per case that missed a check."""
    lines = []
    for row in report["cases"]:
        for system, result in row["systems"].items():
            if result.get("status") != "ok":
                lines.append(f"{row['name']} {system}: {result['status']}")
        checks = row["checks"]
        if checks["target"] is False:
            lines.append(f"{row['name']}: default below {report['target_oa']} overall accuracy")
        if checks["not_below_melodia_mix"] is False:
            lines.append(f"{row['name']}: default below Melodia on the mix")
    return lines
