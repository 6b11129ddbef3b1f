"""A development set of real recordings with expert annotations, read from its manifest.

The set lives outside the project (``../shared/devset`` by default; research use only, never
committed): ``manifest.json`` lists one entry per (clip, task) with the audio and annotation paths
relative to the set's folder. A clip that appears under several tasks (a Beatles song has beats,
key, chords and sections) becomes one :class:`Clip` with every annotation. The readers here parse
the annotation formats the set's README describes; they raise :class:`DevSetError` naming the file
for anything malformed, so a broken set stops the benchmark with one clear line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "LYRICS_TASKS",
    "MUSIC_TASKS",
    "Clip",
    "DevSetError",
    "Reference",
    "load_clips",
    "read_reference",
    "read_words",
]

#: The manifest's tasks this benchmark scores (``lyrics`` belongs to ``performia bench lyrics``).
MUSIC_TASKS = ("beats", "downbeats", "key", "chords", "sections")
#: The manifest's tasks ``performia bench lyrics --set`` scores.
LYRICS_TASKS = ("lyrics",)


class DevSetError(ValueError):
    """The set's folder, manifest or one of its annotations cannot be read."""


@dataclass(frozen=True)
class Clip:
    """One recording of the set and every annotation it has.

    Attributes
    ----------
    id : str
        The manifest's id (``"gtzan_blues.00003"``, ``"beatles_help"``).
    audio : Path
        Absolute path of the recording.
    duration : float
        Its duration in seconds, as the manifest gives it.
    tasks : tuple of str
        The manifest's tasks for this clip.
    annotations : dict of str to Path
        Annotation name (``beats``, ``key``, ``chords``, ``sections`` …) → absolute path.
    license : str
        The manifest's licence line.
    """

    id: str
    audio: Path
    duration: float
    tasks: tuple[str, ...]
    annotations: dict[str, Path] = field(default_factory=dict)
    license: str = ""

    @property
    def collection(self) -> str:
        """The collection a clip comes from: the id's prefix (``gtzan``, ``beatles``)."""
        return self.id.split("_", 1)[0]


def load_clips(
    root: str | Path, *, ids: Sequence[str] | None = None, tasks: Sequence[str] = MUSIC_TASKS
) -> list[Clip]:
    """The clips of the set at ``root`` that have one of ``tasks``, in manifest order.

    Parameters
    ----------
    root : path
        The set's folder (holding ``manifest.json``).
    ids : sequence of str, optional
        Only these clips (each must exist).
    tasks : sequence of str
        The tasks wanted (default :data:`MUSIC_TASKS`; :data:`LYRICS_TASKS` for the lyrics).
    """
    folder = Path(root).expanduser()
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise DevSetError(f"{folder} is not a development set: it has no manifest.json")
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DevSetError(f"cannot read {manifest}: {exc}") from None
    if not isinstance(entries, list):
        raise DevSetError(f"{manifest} must hold a list of entries")
    clips: dict[str, Clip] = {}
    for entry in entries:
        try:
            task, clip_id = str(entry["task"]), str(entry["id"])
            audio, notes = folder / entry["audio"], dict(entry.get("annotations") or {})
        except (KeyError, TypeError) as exc:
            raise DevSetError(f"{manifest}: an entry lacks {exc}") from None
        if task not in tasks:
            continue
        known = clips.get(clip_id)
        annotations = dict(known.annotations) if known else {}
        annotations.update({name: folder / path for name, path in notes.items()})
        clips[clip_id] = Clip(
            id=clip_id,
            audio=audio,
            duration=float(entry.get("duration_s") or 0.0),
            tasks=(*(known.tasks if known else ()), task),
            annotations=annotations,
            license=str(entry.get("license", "")),
        )
    if ids:
        missing = sorted(set(ids) - set(clips))
        if missing:
            raise DevSetError(f"no clips {', '.join(missing)} in {manifest}")
        return [clips[i] for i in ids]
    return list(clips.values())


@dataclass(frozen=True)
class Reference:
    """What the annotators said about one clip (absent layers are ``None``/empty)."""

    beats: np.ndarray | None = None
    downbeats: np.ndarray | None = None
    meter: int | None = None
    tempo: float | None = None
    key: str | None = None
    chords: tuple[tuple[float, float, str], ...] = ()
    sections: tuple[tuple[float, float, str], ...] = ()
    sections_tut: tuple[tuple[float, float, str], ...] = ()


def _rows(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DevSetError(f"cannot read {path}: {exc.strerror or exc}") from None
    return [line.split() for line in text.splitlines() if line.strip()]


def _times(path: Path) -> np.ndarray:
    try:
        return np.array([float(row[0]) for row in _rows(path)], dtype=float)
    except ValueError:
        raise DevSetError(f"{path}: expected one time per line") from None


def _number(path: Path) -> float:
    rows = _rows(path)
    try:
        return float(rows[0][0])
    except (IndexError, ValueError):
        raise DevSetError(f"{path}: expected a number") from None


def _lab(path: Path) -> tuple[tuple[float, float, str], ...]:
    spans = []
    for row in _rows(path):
        try:
            spans.append((float(row[0]), float(row[1]), " ".join(row[2:]) or "N"))
        except (IndexError, ValueError):
            raise DevSetError(f"{path}: expected 'start end label' lines") from None
    return tuple(spans)


def read_reference(clip: Clip) -> Reference:
    """Parse every annotation the clip has."""
    a = clip.annotations
    key = None
    if "key" in a:
        key = " ".join(" ".join(row) for row in _rows(a["key"])).strip() or None
    return Reference(
        beats=_times(a["beats"]) if "beats" in a else None,
        downbeats=_times(a["downbeats"]) if "downbeats" in a else None,
        meter=int(_number(a["meter"])) if "meter" in a else None,
        tempo=_number(a["tempo_bpm"]) if "tempo_bpm" in a else None,
        key=key,
        chords=_lab(a["chords"]) if "chords" in a else (),
        sections=_lab(a["sections"]) if "sections" in a else (),
        sections_tut=_lab(a["sections_tut"]) if "sections_tut" in a else (),
    )


def read_words(clip: Clip) -> tuple[np.ndarray, tuple[str, ...], str]:
    """A lyrics clip's sung words: ``(starts, words, lyrics_text)``.

    ``words`` (a ``start,end,word`` CSV with a header, one row per sung word in order) and
    ``lyrics_text`` (the lyrics as a user would paste them) come from the clip's annotations;
    the text must hold exactly the annotated words, in order.
    """
    words_path, text_path = clip.annotations.get("words"), clip.annotations.get("lyrics_text")
    if words_path is None or text_path is None:
        raise DevSetError(f"{clip.id}: a lyrics clip needs 'words' and 'lyrics_text' annotations")
    try:
        with words_path.open(encoding="utf-8", newline="") as handle:
            rows = [row for row in csv.reader(handle) if row]
        if rows and rows[0][:1] == ["start"]:
            rows = rows[1:]
        starts = np.array([float(row[0]) for row in rows])
        words = tuple(row[2].strip() for row in rows)
        text = text_path.read_text(encoding="utf-8")
    except (IndexError, ValueError, OSError) as exc:
        raise DevSetError(f"cannot read the words of {clip.id}: {exc}") from None
    if tuple(text.split()) != words:
        raise DevSetError(f"{text_path} does not hold exactly the words of {words_path}")
    return starts, words, text
