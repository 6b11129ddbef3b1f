"""The Song Map and frontend files the viewer tests serve (importable; conftest is not)."""

from __future__ import annotations

from fixture_values import SR
from performia.songmap.model import (
    AudioRef,
    Line,
    Provenance,
    Section,
    SongMap,
    Stem,
    Syllable,
)

SONG_ID = "0123456789abcdef"
INDEX_HTML = "<!doctype html><html><body><div id=root></div></body></html>"
APP_JS = "console.log('living chart');"


def make_song(song_id: str = SONG_ID, title: str = "Morning Light") -> SongMap:
    """A small but complete Song Map whose audio and stem are keys under the store root."""
    words = [("Morn", 1.0, False), ("ing", 1.4, False), ("light", 1.8, True)]
    line = Line(
        text="Morning light",
        start_time=1.0,
        end_time=2.4,
        syllables=[
            Syllable(text=t, start_time=s, duration=0.4, chord="C", pitch=60.0, ends_word=e)
            for t, s, e in words
        ],
    )
    return SongMap(
        id=song_id,
        title=title,
        artist="The Fixtures",
        duration=3.0,
        key="C major",
        tempo=120.0,
        sections=[
            Section(name="Verse 1", kind="verse", start_time=0.0, end_time=3.0, lines=[line])
        ],
        audio=AudioRef(
            src=f"uploads/{song_id}/song.mp3",
            mime_type="audio/mpeg",
            sample_rate=SR,
            channels=1,
            duration=3.0,
        ),
        stems=[
            Stem(
                name="vocals",
                src=f"jobs/{song_id}/separate/f00d/vocals.flac",
                mime_type="audio/flac",
            )
        ],
        provenance=Provenance(created_at="2026-01-01T00:00:00Z", performia_version="0.1.0"),
    )
