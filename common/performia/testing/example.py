"""The example song ``make run`` analyses when the user gives none.

Synthesised rather than shipped, so the repository carries no audio and the song's truth (beats,
chords, key, melody, word times) is written beside it for comparison with the analysis.
"""

from __future__ import annotations

from pathlib import Path

from performia.testing.synth import render_song, write_audio, write_truth

__all__ = ["EXAMPLE_LYRICS", "write_example_song"]

EXAMPLE_LYRICS = """Morning light is falling softly on the river
Every voice is singing gently through the valley

Hold the moment, carry it along the water
Sing it louder, let the echo bring it home"""

# A stepwise tune in C major: (MIDI pitch, length in beats); None is a rest.
_PHRASE = [(64, 1), (65, 1), (67, 2), (69, 1), (67, 1), (65, 1), (64, 1),
           (62, 1), (64, 1), (65, 2), (64, 2), (None, 2)]  # fmt: skip


def write_example_song(path: str | Path, *, bars: int = 16, bpm: float = 100.0) -> Path:
    """Render the example song to ``path`` (format by suffix), its truth to ``.truth.json`` and
    its lyrics to ``.lyrics.txt`` (try ``performia analyze SONG --lyrics SONG.lyrics.txt``).

    The words are sung as phrases, each line from a bar line, with a bar's rest between the
    verses. Returns the truth file's path.
    """
    path = Path(path)
    beats_needed = bars * 4
    melody: list[tuple[int | None, float]] = []
    while sum(b for _, b in melody) < beats_needed:
        melody.extend(_PHRASE)
    mix, truth, _ = render_song(
        bpm=bpm,
        bars=bars,
        progression=("C", "Am", "F", "G"),
        melody=melody,
        lyrics=EXAMPLE_LYRICS,
        word_gap_s=0.06,
        key="C major",
        # the tune's instrument under the voice, as a band doubles a singer: louder, it masks
        # the words the way no real lead line would
        levels={"drums": 0.6, "chords": 0.5, "melody": 0.3, "vocals": 0.9},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_audio(
        path,
        mix,
        truth.sr,
        tags={"title": "Morning Light", "artist": "Performia Example Band", "album": "Examples"},
    )
    path.with_suffix(".lyrics.txt").write_text(EXAMPLE_LYRICS + "\n", encoding="utf-8")
    return write_truth(path.with_suffix(".truth.json"), truth)
