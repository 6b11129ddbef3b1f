"""Synthesise songs with known truth: drums on an exact beat grid, chords, a sung-like melody.

Every renderer places sound at sample-exact times and :func:`render_song` returns a
:class:`~performia.testing.truth.SongTruth` built from those same placement times, so an analysis
stage can be scored against what was really put there rather than against a hand annotation. The
truth types live in :mod:`performia.testing.truth`.

Songs can be detuned from A440 (``tuning_cents``), swung (off-beat hi-hats delayed), played on a
pad, piano, organ or guitar (``timbre``), in 2/4, 3/4, 4/4 or 6/8 (``meter=6`` counts eighths),
and built from a ``form`` of sections (intro, verse, chorus …) that may change key; the truth
then carries the sections, their repeat labels and the key segments.

Words are spoken by ``espeak-ng`` (see :func:`speak`); the sound renderers live in
:mod:`performia.testing.instruments`. :func:`write_audio` (in :mod:`performia.testing.audiofile`)
encodes to every container the product ingests (wav, flac, mp3, ogg, opus, m4a) with PyAV, tags
included, and its module notes the format quirks of reading those files back. Everything public
there is re-exported here.
"""

from __future__ import annotations

import math
import re

# Not used here: the tests reach the speech renderer through this module
# (``synth._espeak.cache_clear()``, ``monkeypatch.setattr(synth.shutil, "which", ...)``).
import shutil  # noqa: F401
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from performia.settings import ANALYSIS_SR
from performia.testing.audiofile import write_audio, write_truth
from performia.testing.instruments import (
    GROOVES,
    TAIL_S,
    TIMBRES,
    VOICINGS,
    _add,
    _check_sr,
    _drum_grid,
    _espeak,  # noqa: F401  (see ``shutil`` above)
    _render_chords_into,
    chord_pitches,
    click_track,
    render_chords,
    render_melody,
    reverb,
    speak,
    voice_chord,
)
from performia.testing.truth import (
    ChordTruth,
    KeyTruth,
    NoteTruth,
    SectionTruth,
    SongTruth,
    WordTruth,
)

__all__ = [
    "GROOVES",
    "TIMBRES",
    "VOICINGS",
    "chord_pitches",
    "click_track",
    "render_chords",
    "render_melody",
    "render_song",
    "reverb",
    "speak",
    "voice_chord",
    "write_audio",
    "write_truth",
]

#: Silence before the first beat of a rendered song, in seconds.
LEAD_IN_S = 0.5
#: Stems :func:`render_song` returns and their default mix gains.
DEFAULT_LEVELS: dict[str, float] = {"drums": 0.6, "chords": 0.5, "melody": 0.6, "vocals": 0.8}


#: How each kind of section is played: drum loudness, and whether the chords are doubled an
#: octave up with off-beat hi-hats (the lift a chorus gets). Unknown kinds play like a verse.
_SECTION_STYLE: dict[str, tuple[float, bool]] = {
    "intro": (0.55, False),
    "verse": (0.75, False),
    "prechorus": (0.85, False),
    "chorus": (1.0, True),
    "bridge": (0.65, False),
    "solo": (0.9, True),
    "outro": (0.55, False),
}
_KEY_RE = re.compile(r"^[A-G][#b]? (major|minor)$")

#: One section of a form: ``(kind, progression, bars)`` or ``(kind, progression, bars, key)``.
FormEntry = tuple[str, Sequence[str], int] | tuple[str, Sequence[str], int, str]


@dataclass(frozen=True)
class _Section:
    kind: str
    progression: tuple[str, ...]
    bars: int
    key: str


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise ValueError(f"key must look like 'F major' or 'C# minor', got {key!r}")
    return key


def _parse_form(form: Sequence[FormEntry], key: str) -> list[_Section]:
    sections = []
    for entry in form:
        if not isinstance(entry, tuple | list) or len(entry) not in (3, 4):
            raise ValueError(
                f"form entries are (kind, progression, bars) or (kind, progression, bars, key), "
                f"got {entry!r}"
            )
        kind, progression, bars = entry[0], entry[1], entry[2]
        section_key = _check_key(entry[3]) if len(entry) == 4 else key
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"a section kind must be a non-empty string, got {kind!r}")
        if isinstance(progression, str) or not progression:
            raise ValueError(f"section {kind!r} needs a sequence of chord symbols")
        if int(bars) != bars or bars < 1:
            raise ValueError(f"section {kind!r} needs a positive whole number of bars")
        for symbol in progression:
            chord_pitches(symbol)  # fail early on an unknown symbol
        sections.append(_Section(kind.lower(), tuple(progression), int(bars), section_key))
    if not sections:
        raise ValueError("form must name at least one section")
    return sections


def _section_truth(
    sections: Sequence[_Section], *, bar_s: float
) -> tuple[tuple[SectionTruth, ...], tuple[KeyTruth, ...]]:
    """Sections labelled by kind (first kind heard is "A"), and the keys merged across them."""
    labels: dict[str, str] = {}
    totals = {kind: sum(s.kind == kind for s in sections) for kind in {s.kind for s in sections}}
    seen: dict[str, int] = {}
    spans: list[SectionTruth] = []
    keys: list[KeyTruth] = []
    bar = 0
    for section in sections:
        label = labels.setdefault(section.kind, _label(len(labels)))
        seen[section.kind] = seen.get(section.kind, 0) + 1
        title = section.kind.capitalize()
        name = title if totals[section.kind] == 1 else f"{title} {seen[section.kind]}"
        start, end = LEAD_IN_S + bar * bar_s, LEAD_IN_S + (bar + section.bars) * bar_s
        spans.append(SectionTruth(section.kind, label, start, end, name))
        if keys and keys[-1].key == section.key:
            keys[-1] = KeyTruth(section.key, keys[-1].start, end)
        else:
            keys.append(KeyTruth(section.key, start, end))
        bar += section.bars
    return tuple(spans), tuple(keys)


def _label(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA" …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _check_options(
    *,
    bpm: float,
    meter: int,
    bars: int,
    chords_per_bar: int,
    tuning_cents: float,
    swing: float,
    timbre: str,
    voicing: str,
    reverb_s: float,
) -> None:
    """``ValueError`` naming the first of :func:`render_song`'s settings that is out of range."""
    if bpm <= 0 or meter < 1 or bars < 1:
        raise ValueError("render_song needs bpm > 0, meter >= 1 and bars >= 1")
    if chords_per_bar < 1 or meter % chords_per_bar != 0:
        raise ValueError(f"chords_per_bar must divide meter ({meter}), got {chords_per_bar}")
    if not math.isfinite(tuning_cents) or abs(tuning_cents) > 50:
        raise ValueError(f"tuning_cents must lie within ±50, got {tuning_cents!r}")
    if not 0.0 <= swing < 0.5:
        raise ValueError(f"swing must lie in [0, 0.5), got {swing!r}")
    if timbre not in TIMBRES:
        raise ValueError(f"unknown timbre {timbre!r}; known: {', '.join(TIMBRES)}")
    if voicing not in VOICINGS:
        raise ValueError(f"unknown voicing {voicing!r}; known: {', '.join(VOICINGS)}")
    if not math.isfinite(reverb_s) or not 0.0 <= reverb_s <= 5.0:
        raise ValueError(f"reverb_s must lie in [0, 5] seconds, got {reverb_s!r}")


def _plan_sections(
    form: Sequence[FormEntry] | None, *, bars: int, progression: Sequence[str], key: str
) -> list[_Section]:
    """The sections played in order: the form's, or one unnamed section of ``bars`` bars."""
    if form is not None:
        return _parse_form(form, _check_key(key))
    if not progression:
        raise ValueError("progression must name at least one chord")
    for symbol in progression:
        chord_pitches(symbol)  # fail early on an unknown symbol
    return [_Section("", tuple(progression), bars, key)]


def _stem_gains(levels: Mapping[str, float] | None) -> dict[str, float]:
    """Each stem's mix gain: :data:`DEFAULT_LEVELS` with ``levels`` over it."""
    gains = dict(DEFAULT_LEVELS)
    if levels is not None:
        unknown = set(levels) - set(DEFAULT_LEVELS)
        if unknown:
            raise ValueError(f"unknown stems in levels: {sorted(unknown)}; known: {sorted(gains)}")
        gains.update({name: float(gain) for name, gain in levels.items()})
    return gains


def _chord_spans(
    sections: Sequence[_Section], *, chords_per_bar: int, meter: int, period: float
) -> list[tuple[ChordTruth, ...]]:
    """Each section's chords, tiling its bars, its progression restarting with the section."""
    span_beats = meter // chords_per_bar
    section_chords: list[tuple[ChordTruth, ...]] = []
    first_bar = 0
    for section in sections:
        first = first_bar * chords_per_bar
        section_chords.append(
            tuple(
                ChordTruth(
                    section.progression[i % len(section.progression)],
                    LEAD_IN_S + (first + i) * span_beats * period,
                    LEAD_IN_S + (first + i + 1) * span_beats * period,
                )
                for i in range(section.bars * chords_per_bar)
            )
        )
        first_bar += section.bars
    return section_chords


def _melody_notes(
    melody: Sequence[tuple[int | None, float]] | None, *, period: float, song_end: float
) -> list[NoteTruth]:
    """The melody laid end to end from the first beat, rests skipped, cut at the song's end."""
    notes: list[NoteTruth] = []
    cursor = 0.0
    for pitch, length in melody or ():
        if length <= 0:
            raise ValueError(f"melody note lengths must be positive beats, got {length!r}")
        start = LEAD_IN_S + cursor * period
        cursor += length
        if start >= song_end:
            break
        if pitch is not None:
            notes.append(NoteTruth(pitch, start, min(LEAD_IN_S + cursor * period, song_end)))
    return notes


def _place_words(
    lyrics: str | None,
    *,
    sr: int,
    voice: str,
    meter: int,
    period: float,
    song_end: float,
    word_gap_s: float | None,
) -> tuple[list[WordTruth], list[np.ndarray]]:
    """Each word spoken and placed: one per beat from bar 2, never overlapping, each line on a
    bar line (see :func:`render_song`); the words and their audio."""
    words: list[WordTruth] = []
    word_audio: list[np.ndarray] = []
    beat = meter
    rest_bars = 0
    for line in (lyrics or "").strip().splitlines():
        if not line.strip():
            rest_bars += 1
            continue
        if words:  # next line: the next bar line, plus a bar per blank line before it
            beat = (math.ceil(beat / meter) + rest_bars) * meter
        rest_bars = 0
        phrase_at: float | None = None  # where the next word of a sung phrase starts
        for text in line.split():
            audio = speak(text, sr=sr, voice=voice)
            start = LEAD_IN_S + beat * period if phrase_at is None else phrase_at
            if start >= song_end - 1e-9:
                raise ValueError(
                    f"lyrics do not fit: word {len(words) + 1} ({text!r}) would start after "
                    f"the last beat; use more bars, a slower tempo or fewer words"
                )
            end = start + len(audio) / sr
            words.append(WordTruth(text, start, end))
            word_audio.append(audio)
            if word_gap_s is None:
                beat += max(1, math.ceil(len(audio) / sr / period - 1e-9))
            else:
                phrase_at = end + word_gap_s
                beat = math.ceil((phrase_at - LEAD_IN_S) / period - 1e-9)
    return words, word_audio


def _song_length(song_end: float, words: Sequence[WordTruth], sr: int) -> tuple[int, float]:
    """Samples and seconds of audio: the last bar and its ring-out, or the last word's end."""
    duration = song_end + TAIL_S
    if words:
        duration = max(duration, words[-1].end + 0.1)
    n = math.ceil(duration * sr)
    return n, n / sr


def _drum_stem(
    sections: Sequence[_Section],
    styles: Sequence[tuple[float, bool]],
    *,
    bpm: float,
    meter: int,
    sr: int,
    seed: int,
    shaped: bool,
    offbeat_hats: bool | None,
    swing: float,
    groove: str,
) -> tuple[np.ndarray, tuple[float, ...], tuple[float, ...]]:
    """Drums with per-beat loudness and off-beat hats from each beat's section (``shaped``:
    the song has a form), and the beats and downbeats they were placed on."""
    beat_style = [
        style for s, style in zip(sections, styles, strict=True) for _ in range(s.bars * meter)
    ]
    drum_gains = [g for g, _ in beat_style] if shaped else None
    if offbeat_hats is None:
        offbeats = [swing > 0 or (shaped and lift) for _, lift in beat_style]
    else:
        offbeats = [bool(offbeat_hats)] * len(beat_style)
    return _drum_grid(
        bpm=bpm,
        n_beats=len(beat_style),
        meter=meter,
        sr=sr,
        start=LEAD_IN_S,
        seed=seed,
        compound=meter == 6,
        gains=drum_gains,
        offbeats=offbeats if any(offbeats) else None,
        swing=swing,
        groove=groove,
    )


def _chord_stem(
    section_chords: Sequence[tuple[ChordTruth, ...]],
    styles: Sequence[tuple[float, bool]],
    *,
    n: int,
    sr: int,
    meter: int,
    period: float,
    timbre: str,
    tuning_cents: float,
    voicing: str,
    shaped: bool,
) -> np.ndarray:
    """Each section's chords on the chosen instrument, choruses an octave fuller (``shaped``:
    the song has a form); float64, ``n`` samples."""
    compound = meter == 6
    comping = {
        "piano": 3 if compound else (2 if meter % 2 == 0 else meter),
        "guitar": 3 if compound else 1,
    }
    restrike = comping[timbre] * period if timbre in comping else None
    chord_audio = np.zeros(n, dtype=np.float64)
    ratio = 2.0 ** (tuning_cents / 1200.0)
    played = 0
    for spans, (_, lift) in zip(section_chords, styles, strict=True):
        _render_chords_into(
            chord_audio,
            spans,
            sr=sr,
            timbre=timbre,
            ratio=ratio,
            octave_up=shaped and lift,
            restrike=restrike,
            voicing=voicing,
            first_inversion=played,
        )
        played += len(spans)
    return chord_audio


def _vocal_stem(
    words: Sequence[WordTruth], word_audio: Sequence[np.ndarray], *, n: int, sr: int
) -> np.ndarray:
    """The spoken words at their placed starts; float64, ``n`` samples."""
    vocals = np.zeros(n, dtype=np.float64)
    for word, audio in zip(words, word_audio, strict=True):
        _add(vocals, audio.astype(np.float64), round(word.start * sr))
    return vocals


def _mix_stems(
    raw: Mapping[str, np.ndarray],
    gains: Mapping[str, float],
    *,
    n: int,
    sr: int,
    reverb_s: float,
    seed: int,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each stem in the room, at its gain, then all scaled so the mix peaks at 0.9; the float32
    mix and the stems exactly as they sit in it."""
    stems: dict[str, np.ndarray] = {}
    for name, y in raw.items():
        # one room: the same response for every stem, so the stems still sum to the mix
        y = reverb(y[:n], sr=sr, rt60_s=reverb_s, seed=seed) if reverb_s else y[:n]
        peak = float(np.max(np.abs(y))) if len(y) else 0.0
        stems[name] = y * (gains[name] / peak) if peak > 0 else y
    mix = sum(stems.values(), np.zeros(n, dtype=np.float64))
    peak = float(np.max(np.abs(mix)))
    scale = 0.9 / peak if peak > 0 else 1.0
    stems = {name: (y * scale).astype(np.float32) for name, y in stems.items()}
    return (mix * scale).astype(np.float32), stems


def render_song(
    *,
    bpm: float = 120.0,
    meter: int = 4,
    bars: int | None = None,
    progression: Sequence[str] | None = None,
    chords_per_bar: int = 1,
    melody: Sequence[tuple[int | None, float]] | None = None,
    lyrics: str | None = None,
    sr: int = ANALYSIS_SR,
    key: str = "C major",
    seed: int = 0,
    levels: Mapping[str, float] | None = None,
    tuning_cents: float = 0.0,
    swing: float = 0.0,
    timbre: str = "pad",
    form: Sequence[FormEntry] | None = None,
    offbeat_hats: bool | None = None,
    word_gap_s: float | None = None,
    groove: str = "backbeat",
    voicing: str = "close",
    reverb_s: float = 0.0,
    voice: str = "en-us",
) -> tuple[np.ndarray, SongTruth, dict[str, np.ndarray]]:
    """Render a song and the truth of where everything in it was placed.

    * Beats start after :data:`LEAD_IN_S` of silence and run for ``bars * meter`` beats; every
      ``meter``-th beat is a downbeat. Drums come from :func:`click_track`. ``meter=6`` is 6/8:
      six eighth-note beats per bar at ``bpm`` eighths per minute, kick on 1, snare on 4.
    * Chords cycle through ``progression``, ``chords_per_bar`` per bar (which must divide
      ``meter``, so changes fall on beats); the spans tile the bars exactly. ``bars`` defaults
      to 8 and ``progression`` to C G Am F.
    * ``form`` replaces ``bars`` and ``progression``: sections ``(kind, progression, bars)``
      or ``(kind, progression, bars, key)`` played in order, each restarting its progression.
      The truth's ``sections`` label repeated kinds alike and ``key_segments`` follow the
      per-section keys (``key`` is the home key and the default). Choruses are louder and
      brighter: full-level drums with off-beat hi-hats, chords doubled an octave up; intros,
      bridges and outros play softer drums than verses.
    * ``melody`` is a list of ``(midi, beats_long)`` laid end to end from the first beat;
      ``midi`` ``None`` is a rest. Notes are cropped at the end of the last bar.
    * ``lyrics`` are split on whitespace and each word is spoken with :func:`speak` on
      successive beats from the first beat of bar 2, skipping as many beats as a word needs so
      that words never overlap. A line break starts the next line on the next bar line, and
      each blank line rests one more whole bar (an instrumental gap), so a lyric sheet lays
      out like a song. With ``word_gap_s`` the words of a line follow each other like a sung
      phrase instead, each starting ``word_gap_s`` after the previous one ends (recognisers
      use the context of a phrase; isolated words are much harder). ``voice`` is the
      espeak-ng voice, which sets the language (``"de"``, ``"fr"``, ``"es"`` …). ``ValueError``
      if the words do not all start within the bars.
    * ``key`` is only recorded in the truth: make it match the progression.
    * ``tuning_cents`` (within ±50) detunes every pitched sound from A440; the truth keeps the
      nominal chord names and MIDI pitches and records the offset.
    * ``swing`` (0 to 0.5; 1/3 is a triplet shuffle) delays the off-beat hi-hats by that
      fraction of half a beat; beats stay where they are. Off-beat hats play everywhere when
      ``offbeat_hats`` is true, nowhere when false, and by default when ``swing`` is set and in
      choruses.
    * ``timbre`` picks the chord instrument among :data:`TIMBRES`; piano re-strikes every two
      beats (every bar in 3/4, every dotted quarter in 6/8), guitar strums every beat (every
      dotted quarter in 6/8).
    * ``groove`` picks the drum pattern among :data:`GROOVES` (kick and snare placement; see
      :func:`_drum_grid`), ``voicing`` the chord layout among :data:`VOICINGS` (see
      :func:`voice_chord`; spread voicings change inversion chord by chord), and ``reverb_s`` a
      room's RT60 in seconds (0: dry) that every stem is played in (:func:`reverb`). The truth
      is the same whatever they are: they vary how a song sounds, not what it is.

    Returns ``(mix, truth, stems)``. ``stems`` holds ``"drums"``, ``"chords"``, ``"melody"``
    and ``"vocals"`` exactly as they sit in the mix (scaled by ``levels`` and by the peak
    normalisation), so ``mix == sum(stems.values())``; the mix peaks at 0.9. All float32 mono.
    """
    sr = _check_sr(sr)
    if form is not None and (bars is not None or progression is not None):
        raise ValueError("give either form or bars and progression, not both")
    bars = 8 if bars is None else bars
    progression = ("C", "G", "Am", "F") if progression is None else progression
    _check_options(
        bpm=bpm,
        meter=meter,
        bars=bars,
        chords_per_bar=chords_per_bar,
        tuning_cents=tuning_cents,
        swing=swing,
        timbre=timbre,
        voicing=voicing,
        reverb_s=reverb_s,
    )
    sections = _plan_sections(form, bars=bars, progression=progression, key=key)
    gains = _stem_gains(levels)

    shaped = form is not None  # sections play in their own styles
    period = 60.0 / bpm
    song_end = LEAD_IN_S + sum(s.bars for s in sections) * meter * period  # end of the last bar
    section_chords = _chord_spans(
        sections, chords_per_bar=chords_per_bar, meter=meter, period=period
    )
    notes = _melody_notes(melody, period=period, song_end=song_end)
    words, word_audio = _place_words(
        lyrics,
        sr=sr,
        voice=voice,
        meter=meter,
        period=period,
        song_end=song_end,
        word_gap_s=word_gap_s,
    )
    n, duration = _song_length(song_end, words, sr)

    styles = [_SECTION_STYLE.get(s.kind, _SECTION_STYLE["verse"]) for s in sections]
    drums, beats, downbeats = _drum_stem(
        sections,
        styles,
        bpm=bpm,
        meter=meter,
        sr=sr,
        seed=seed,
        shaped=shaped,
        offbeat_hats=offbeat_hats,
        swing=swing,
        groove=groove,
    )
    chord_audio = _chord_stem(
        section_chords,
        styles,
        n=n,
        sr=sr,
        meter=meter,
        period=period,
        timbre=timbre,
        tuning_cents=tuning_cents,
        voicing=voicing,
        shaped=shaped,
    )
    raw = {
        "drums": np.pad(drums[:n], (0, max(0, n - len(drums)))).astype(np.float64),
        "chords": chord_audio.astype(np.float32).astype(np.float64),
        "melody": render_melody(notes, sr=sr, duration=duration, tuning_cents=tuning_cents).astype(
            np.float64
        ),
        "vocals": _vocal_stem(words, word_audio, n=n, sr=sr),
    }
    mix, stems = _mix_stems(raw, gains, n=n, sr=sr, reverb_s=reverb_s, seed=seed)

    if shaped:
        section_spans, key_spans = _section_truth(sections, bar_s=meter * period)
    else:
        section_spans, key_spans = (), (KeyTruth(key, LEAD_IN_S, song_end),)
    truth = SongTruth(
        sr=sr,
        duration=duration,
        tempo_bpm=float(bpm),
        meter=meter,
        beats=beats,
        downbeats=downbeats,
        key=key,
        chords=tuple(chord for spans in section_chords for chord in spans),
        melody=tuple(notes),
        words=tuple(words),
        beat_unit=8 if meter == 6 else 4,
        tuning_cents=float(tuning_cents),
        swing=float(swing),
        timbre=timbre,
        sections=section_spans,
        key_segments=key_spans,
    )
    return mix, truth, stems
