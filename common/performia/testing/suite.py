"""The benchmark suite: songs rendered by :func:`~performia.testing.synth.render_song` whose truth
covers what the analyses must get right.

Thirty-two songs span tempo 66–180 BPM, 3/4, 4/4 and 6/8, major and minor keys on many tonics,
tuning from −40 to +40 cents, swing, seventh, suspended, diminished and augmented chords, key
changes (a last chorus a tone or a semitone up, a bridge in the dominant), the four chord timbres,
and forms built from intros, verses, choruses, bridges and outros. Every song carries a melody,
composed here from its chords (chord tones on strong beats, scale steps between, a held note and a
breath at the end of each four-bar phrase; repeated sections reuse their tune, transposed when the
section modulates). Intros and outros are instrumental.

Eight more songs (feature ``"varied"``) leave the plain generator's habits: four-on-the-floor,
half-time, reggae one-drop and no drums at all; spread voicings whose inversion changes chord by
chord; rooms from dry to a 2.5 s hall; pre-choruses, solos, AABA and eight-bar sections. Real
music, not this suite, is the measure (``performia bench accuracy --set``); the suite guards
against regressions, and the varied songs against fitting the generator.

Everything is fixed by each song's seed: :func:`benchmark_suite` returns the same songs, and
:func:`render_suite_song` the same audio, on every call.

In 6/8 the truth's beats are eighth notes and ``tempo_bpm`` the eighth-note rate (see
:class:`~performia.testing.truth.SongTruth`); a tracker that follows the dotted quarter finds a
third of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from performia.settings import ANALYSIS_SR
from performia.testing.synth import chord_pitches, render_song
from performia.testing.truth import SongTruth

__all__ = ["SuiteSong", "benchmark_suite", "compose_melody", "render_suite_song"]

#: Lowest and highest melody notes (MIDI): C4 to G5, a singer's comfortable range.
MELODY_RANGE = (60, 79)
#: Songs in the quick suite: one per meter and timbre, swing, suspended chords, a key change.
QUICK = (
    "pop_c_major",
    "waltz_g_major_organ",
    "six_eight_d_minor_guitar",
    "shuffle_b_minor_piano",
    "sus_chords_bb_major_piano",
    "modulating_a_minor_organ",
)

_TONIC = re.compile(r"^([A-G])([#b]?) (major|minor)$")
_NATURAL = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
#: Bar rhythms (note lengths in beats) per meter; 6/8 counts eighths.
_RHYTHMS: dict[int, tuple[tuple[float, ...], ...]] = {
    3: ((1, 1, 1), (2, 1), (1, 2), (1, 0.5, 0.5, 1), (3,)),
    4: ((1, 1, 1, 1), (2, 1, 1), (1, 1, 2), (2, 2), (1.5, 0.5, 1, 1), (1, 0.5, 0.5, 2), (3, 1)),
    6: ((3, 3), (2, 1, 3), (1, 1, 1, 3), (3, 2, 1), (2, 1, 2, 1), (1, 1, 1, 1, 1, 1)),
}
_INSTRUMENTAL = ("intro", "outro")


@dataclass(frozen=True)
class SuiteSong:
    """One benchmark song: ``render_song(**kwargs, sr=sr)`` renders it.

    ``features`` names what the song exercises (``"swing"``, ``"modulation"``, ``"sevenths"``
    …), for tables and for choosing songs.
    """

    name: str
    description: str
    kwargs: Mapping[str, Any]
    features: tuple[str, ...] = field(default=())

    @property
    def tempo(self) -> float:
        return float(self.kwargs["bpm"])

    @property
    def meter(self) -> str:
        meter = int(self.kwargs.get("meter", 4))
        return f"{meter}/8" if meter == 6 else f"{meter}/4"

    @property
    def key(self) -> str:
        return str(self.kwargs["key"])

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key the form visits, in order of first appearance."""
        keys = [self.key] + [entry[3] for entry in self.kwargs["form"] if len(entry) == 4]
        return tuple(dict.fromkeys(keys))

    @property
    def tuning_cents(self) -> float:
        return float(self.kwargs.get("tuning_cents", 0.0))

    @property
    def timbre(self) -> str:
        return str(self.kwargs.get("timbre", "pad"))

    @property
    def bars(self) -> int:
        return sum(int(entry[2]) for entry in self.kwargs["form"])

    @property
    def duration(self) -> float:
        """Seconds of music (the first beat to the end of the last bar)."""
        return self.bars * int(self.kwargs.get("meter", 4)) * 60.0 / self.tempo


def render_suite_song(
    song: SuiteSong, sr: int = ANALYSIS_SR
) -> tuple[np.ndarray, SongTruth, dict[str, np.ndarray]]:
    """Render ``song`` at ``sr``: ``(mix, truth, stems)`` as :func:`render_song` returns them."""
    return render_song(**song.kwargs, sr=sr)


# ------------------------------------------------------------------------------------- melody


def _key_parts(key: str) -> tuple[int, str]:
    match = _TONIC.match(key)
    if match is None:
        raise ValueError(f"key must look like 'F major' or 'C# minor', got {key!r}")
    letter, accidental, mode = match.groups()
    return (_NATURAL[letter] + {"": 0, "#": 1, "b": -1}[accidental]) % 12, mode


def _chord_pcs(symbol: str) -> frozenset[int]:
    return frozenset(p % 12 for p in chord_pitches(symbol))


def _relative(progression: Sequence[str], tonic: int) -> tuple[tuple[int, str], ...]:
    """Progression as (root above the tonic, quality): equal for a transposed repeat."""
    return tuple(
        ((chord_pitches(s)[1] - tonic) % 12, s.lstrip("ABCDEFG").lstrip("#b")) for s in progression
    )


def compose_melody(
    form: Sequence[tuple[Any, ...]],
    *,
    key: str,
    meter: int = 4,
    chords_per_bar: int = 1,
    seed: int = 0,
) -> tuple[tuple[int | None, float], ...]:
    """A melody for ``form`` as ``render_song``'s ``(midi or None, beats)`` list.

    Strong beats (a bar's first beat, a chord change, beat 4 in 6/8) take a chord tone; other
    notes take a scale or chord tone, never a semitone against the chord; a note held across a
    chord change takes a tone common to both when there is one. Steps are preferred to leaps.
    Every fourth bar, and a section's last, ends its phrase on a long chord tone and a rest.
    Intros and outros rest. A section whose kind, length and chords (relative to its key)
    repeat an earlier one reuses that tune, transposed by the change of key.
    """
    rng = np.random.default_rng(seed)
    lo, hi = MELODY_RANGE
    rhythms = _RHYTHMS.get(meter, (tuple([1.0] * meter),))
    span = meter / chords_per_bar
    home, _ = _key_parts(key)
    previous = lo + (home - lo) % 12 + (12 if lo + (home - lo) % 12 < 64 else 0)
    tunes: dict[tuple[Any, ...], tuple[int, list[tuple[int | None, float]]]] = {}
    out: list[tuple[int | None, float]] = []
    for entry in form:
        kind, progression, bars = str(entry[0]).lower(), tuple(entry[1]), int(entry[2])
        tonic, mode = _key_parts(entry[3] if len(entry) == 4 else key)
        if kind in _INSTRUMENTAL:
            out.extend([(None, float(meter))] * bars)
            continue
        signature = (kind, bars, _relative(progression, tonic))
        if signature in tunes:
            old_tonic, known = tunes[signature]
            shift = (tonic - old_tonic) % 12
            shift = shift - 12 if shift > 6 else shift
            out.extend((None if p is None else p + shift, d) for p, d in known)
            continue
        scale = {(tonic + step) % 12 for step in _SCALES[mode]}
        tune: list[tuple[int | None, float]] = []
        for bar in range(bars):
            cadence = bar % 4 == 3 or bar == bars - 1
            rhythm = (meter - 1.0, -1.0) if cadence else rhythms[rng.integers(len(rhythms))]
            position = 0.0
            for length in rhythm:
                if length < 0:  # a breath at the end of the phrase
                    tune.append((None, -length))
                    position -= length
                    continue
                first = int(position // span)
                last = int((position + length - 1e-9) // span)
                chords = [
                    _chord_pcs(progression[(bar * chords_per_bar + i) % len(progression)])
                    for i in range(first, last + 1)
                ]
                common = frozenset.intersection(*chords) or chords[0]
                strong = position % span == 0 or (meter == 6 and position == 3) or cadence
                allowed: frozenset[int] | set[int]
                if strong:
                    allowed = common
                else:
                    clash = {(pc + d) % 12 for pc in chords[0] for d in (-1, 1)}
                    allowed = (scale - clash) | chords[0]
                candidates = np.array([p for p in range(lo, hi + 1) if p % 12 in allowed])
                distance = np.abs(candidates - previous)
                weights = np.exp(-distance / 2.5) * np.where(distance == 0, 0.4, 1.0)
                pitch = int(rng.choice(candidates, p=weights / weights.sum()))
                tune.append((pitch, float(length)))
                previous = pitch
                position += length
        tunes[signature] = (tonic, tune)
        out.extend(tune)
    return tuple(out)


# -------------------------------------------------------------------------------------- songs


def _song(
    name: str,
    description: str,
    *,
    bpm: float,
    key: str,
    form: Sequence[tuple[Any, ...]],
    timbre: str,
    meter: int = 4,
    tuning_cents: float = 0.0,
    swing: float = 0.0,
    chords_per_bar: int = 1,
    seed: int,
    features: Sequence[str] = (),
    groove: str = "backbeat",
    voicing: str = "close",
    reverb_s: float = 0.0,
) -> SuiteSong:
    form = tuple(tuple(entry) for entry in form)
    melody = compose_melody(
        form, key=key, meter=meter, chords_per_bar=chords_per_bar, seed=seed + 1000
    )
    kwargs = {
        "bpm": float(bpm),
        "meter": meter,
        "key": key,
        "form": form,
        "chords_per_bar": chords_per_bar,
        "melody": melody,
        "timbre": timbre,
        "tuning_cents": float(tuning_cents),
        "swing": float(swing),
        "seed": seed,
    }
    # Named only where they differ from render_song's defaults: the first 24 songs' arguments,
    # and so their audio, stay exactly what they were.
    if groove != "backbeat":
        kwargs["groove"] = groove
    if voicing != "close":
        kwargs["voicing"] = voicing
    if reverb_s:
        kwargs["reverb_s"] = float(reverb_s)
    return SuiteSong(name, description, kwargs, tuple(features))


def _pop(
    intro: Sequence[str],
    verse: Sequence[str],
    chorus: Sequence[str],
    outro: Sequence[str],
    *,
    bars: int = 4,
    intro_bars: int = 2,
    bridge: Sequence[str] | None = None,
    verses: int = 2,
) -> list[tuple[Any, ...]]:
    """intro, (verse, chorus) × verses, [bridge, chorus], outro."""
    form: list[tuple[Any, ...]] = [("intro", intro, intro_bars)]
    for _ in range(verses):
        form += [("verse", verse, bars), ("chorus", chorus, bars)]
    if bridge is not None:
        form += [("bridge", bridge, bars), ("chorus", chorus, bars)]
    form.append(("outro", outro, intro_bars))
    return form


def _songs() -> list[SuiteSong]:
    return [
        _song(
            "pop_c_major",
            "Plain four-chord pop in C, triads on a pad, in tune.",
            bpm=100,
            key="C major",
            form=_pop(("C", "G"), ("C", "G", "Am", "F"), ("F", "G", "Em", "Am"), ("F", "C")),
            timbre="pad",
            seed=1,
            features=("triads",),
        ),
        _song(
            "ballad_eb_major_piano",
            "Slow piano ballad in Eb with seventh chords, 18 cents sharp.",
            bpm=72,
            key="Eb major",
            form=_pop(
                ("Eb", "Bb"),
                ("Eb", "Cm7", "Abmaj7", "Bb7"),
                ("Abmaj7", "Bb", "Gm7", "Cm7"),
                ("Abmaj7", "Eb"),
            ),
            timbre="piano",
            tuning_cents=18,
            seed=2,
            features=("sevenths", "slow"),
        ),
        _song(
            "waltz_g_major_organ",
            "Organ waltz in G (3/4) with a dominant seventh, 12 cents flat.",
            bpm=132,
            meter=3,
            key="G major",
            form=_pop(
                ("G", "D7"),
                ("G", "C", "D7", "G", "Em", "Am", "D", "G"),
                ("C", "G", "Am", "D", "C", "G", "D7", "G"),
                ("C", "G"),
                bars=8,
                intro_bars=4,
            ),
            timbre="organ",
            tuning_cents=-12,
            seed=3,
            features=("waltz", "sevenths"),
        ),
        _song(
            "six_eight_d_minor_guitar",
            "Strummed 6/8 in D minor (150 eighths a minute), 25 cents sharp.",
            bpm=150,
            meter=6,
            key="D minor",
            form=_pop(
                ("Dm", "A7"), ("Dm", "Gm", "A7", "Dm"), ("Bb", "F", "Gm", "A7"), ("Gm", "Dm")
            ),
            timbre="guitar",
            tuning_cents=25,
            seed=4,
            features=("compound meter", "minor"),
        ),
        _song(
            "funk_e_minor_swing_guitar",
            "Swung (triplet shuffle) minor-seventh groove in E minor on guitar.",
            bpm=104,
            key="E minor",
            form=_pop(
                ("Em7", "Em7"),
                ("Em7", "Am7", "Em7", "B7"),
                ("Cmaj7", "D", "Bm7", "Em7"),
                ("Am7", "Em7"),
            ),
            timbre="guitar",
            tuning_cents=-5,
            swing=1 / 3,
            seed=5,
            features=("swing", "sevenths", "minor"),
        ),
        _song(
            "rock_a_major_modulation_guitar",
            "Driving rock in A whose last chorus and outro go up a tone to B.",
            bpm=140,
            key="A major",
            form=[
                ("intro", ("A", "E"), 4),
                ("verse", ("A", "D", "E", "A"), 8),
                ("chorus", ("D", "E", "F#m", "E"), 8),
                ("verse", ("A", "D", "E", "A"), 8),
                ("chorus", ("D", "E", "F#m", "E"), 8),
                ("chorus", ("E", "F#", "G#m", "F#"), 8, "B major"),
                ("outro", ("E", "B"), 4, "B major"),
            ],
            timbre="guitar",
            seed=6,
            features=("modulation", "up a tone"),
        ),
        _song(
            "punk_d_major_organ",
            "Fast (180 BPM) organ punk in D, 40 cents sharp.",
            bpm=180,
            key="D major",
            form=_pop(
                ("D", "D"),
                ("D", "G", "A", "D"),
                ("G", "A", "Bm", "A"),
                ("G", "D"),
                bars=8,
                intro_bars=4,
            ),
            timbre="organ",
            tuning_cents=40,
            seed=7,
            features=("fast", "tuning +40"),
        ),
        _song(
            "slow_f_minor_pad",
            "Slowest song (70 BPM): F minor pad with a bridge, 40 cents flat.",
            bpm=70,
            key="F minor",
            form=_pop(
                ("Fm", "Db"),
                ("Fm", "Db", "Ab", "Eb"),
                ("Db", "Eb", "Fm", "Fm"),
                ("Fm", "Fm"),
                bridge=("Bbm", "C", "Db", "C"),
                verses=1,
            ),
            timbre="pad",
            tuning_cents=-40,
            seed=8,
            features=("slow", "tuning -40", "bridge", "minor"),
        ),
        _song(
            "sus_chords_bb_major_piano",
            "Piano in Bb, two chords a bar, suspensions resolving, lightly swung, a bridge.",
            bpm=116,
            key="Bb major",
            form=_pop(
                ("Bbsus2", "Bb"),
                ("Bb", "Bbsus4", "Gm", "Gm7", "Ebmaj7", "Ebsus2", "Fsus4", "F"),
                ("Eb", "F", "Dm7", "Gm", "Cm7", "F7", "Bb", "Bbsus2"),
                ("Ebsus2", "Bb"),
                bridge=("Cm7", "Csus4", "Eb", "Ebsus2", "F7", "Fsus4", "F", "F7"),
            ),
            timbre="piano",
            chords_per_bar=2,
            tuning_cents=8,
            swing=0.2,
            seed=9,
            features=("sus2", "sus4", "sevenths", "two chords a bar", "swing", "bridge"),
        ),
        _song(
            "g_minor_dim_aug_pad",
            "G minor with a diminished passing chord and an augmented one in the bridge.",
            bpm=92,
            key="G minor",
            form=_pop(
                ("Gm", "D7"),
                ("Gm", "Cm", "D7", "Gm"),
                ("Eb", "F#dim", "Gm", "D"),
                ("Cm", "Gm"),
                bridge=("Bb", "Bbaug", "Eb", "D7"),
                verses=1,
            ),
            timbre="pad",
            tuning_cents=-22,
            seed=10,
            features=("dim", "aug", "bridge", "minor"),
        ),
        _song(
            "jazz_waltz_f_major_piano",
            "Swung jazz waltz in F: major, minor and dominant sevenths, 30 cents sharp.",
            bpm=150,
            meter=3,
            key="F major",
            form=_pop(
                ("Fmaj7", "C7"),
                ("Fmaj7", "Dm7", "Gm7", "C7"),
                ("Bbmaj7", "Bbm7", "Am7", "D7", "Gm7", "C7", "Fmaj7", "Fmaj7"),
                ("Gm7", "Fmaj7"),
                bars=8,
                intro_bars=4,
            ),
            timbre="piano",
            tuning_cents=30,
            swing=0.25,
            seed=11,
            features=("waltz", "swing", "sevenths"),
        ),
        _song(
            "six_eight_c_minor_piano",
            "Piano 6/8 in C minor at 180 eighths a minute with a seventh-chord bridge.",
            bpm=180,
            meter=6,
            key="C minor",
            form=_pop(
                ("Cm", "G"),
                ("Cm", "Ab", "Fm", "G"),
                ("Ab", "Bb", "Eb", "G7"),
                ("Fm", "Cm"),
                bridge=("Fm7", "Bb7", "Ebmaj7", "G7"),
            ),
            timbre="piano",
            tuning_cents=-30,
            seed=12,
            features=("compound meter", "fast", "sevenths", "bridge", "minor"),
        ),
        _song(
            "modulating_a_minor_organ",
            "A minor whose last chorus and outro go up a semitone to Bb minor.",
            bpm=96,
            key="A minor",
            form=[
                ("intro", ("Am", "E7"), 2),
                ("verse", ("Am", "Dm", "E7", "Am"), 4),
                ("chorus", ("F", "G", "Am", "E"), 4),
                ("verse", ("Am", "Dm", "E7", "Am"), 4),
                ("chorus", ("F", "G", "Am", "E"), 4),
                ("chorus", ("Gb", "Ab", "Bbm", "F"), 4, "Bb minor"),
                ("outro", ("Bbm", "Bbm"), 2, "Bb minor"),
            ],
            timbre="organ",
            tuning_cents=12,
            seed=13,
            features=("modulation", "up a semitone", "minor"),
        ),
        _song(
            "g_major_bridge_in_d_pad",
            "G major whose bridge moves to the dominant key, D major.",
            bpm=124,
            key="G major",
            form=[
                ("intro", ("G", "C"), 2),
                ("verse", ("G", "Em", "C", "D"), 4),
                ("chorus", ("C", "D", "G", "Em"), 4),
                ("verse", ("G", "Em", "C", "D"), 4),
                ("bridge", ("D", "F#m", "Bm", "A7"), 4, "D major"),
                ("chorus", ("C", "D", "G", "Em"), 4),
                ("outro", ("C", "G"), 2),
            ],
            timbre="pad",
            tuning_cents=-3,
            seed=14,
            features=("modulation", "bridge in the dominant", "bridge"),
        ),
        _song(
            "uptempo_e_major_guitar",
            "Up-tempo (160 BPM) strummed E major, 18 cents flat.",
            bpm=160,
            key="E major",
            form=_pop(
                ("E", "B"),
                ("E", "A", "C#m", "B"),
                ("A", "B", "G#m", "C#m"),
                ("A", "E"),
                bars=8,
                intro_bars=4,
            ),
            timbre="guitar",
            tuning_cents=-18,
            seed=15,
            features=("fast",),
        ),
        _song(
            "db_major_sevenths_organ",
            "Db major, every chord a seventh, on organ, 35 cents sharp.",
            bpm=84,
            key="Db major",
            form=_pop(
                ("Dbmaj7", "Ab7"),
                ("Dbmaj7", "Bbm7", "Ebm7", "Ab7"),
                ("Gbmaj7", "Ab7", "Fm7", "Bbm7"),
                ("Gbmaj7", "Dbmaj7"),
            ),
            timbre="organ",
            tuning_cents=35,
            seed=16,
            features=("sevenths",),
        ),
        _song(
            "shuffle_b_minor_piano",
            "Triplet-shuffle piano in B minor with a seventh-chord bridge.",
            bpm=88,
            key="B minor",
            form=_pop(
                ("Bm", "F#7"),
                ("Bm", "Em", "F#7", "Bm"),
                ("G", "A", "D", "F#"),
                ("Em", "Bm"),
                bridge=("Em7", "A7", "Dmaj7", "F#7"),
                verses=1,
            ),
            timbre="piano",
            tuning_cents=-8,
            swing=1 / 3,
            seed=17,
            features=("swing", "sevenths", "bridge", "minor"),
        ),
        _song(
            "waltz_f_sharp_minor_guitar",
            "Guitar waltz in F# minor (3/4, 96 BPM), 22 cents sharp.",
            bpm=96,
            meter=3,
            key="F# minor",
            form=_pop(
                ("F#m", "C#7"),
                ("F#m", "Bm", "C#7", "F#m", "D", "Bm", "C#", "F#m"),
                ("D", "E", "A", "F#m", "D", "E", "C#7", "F#m"),
                ("Bm", "F#m"),
                bars=8,
            ),
            timbre="guitar",
            tuning_cents=22,
            seed=18,
            features=("waltz", "minor"),
        ),
        _song(
            "ab_major_half_bar_pad",
            "Ab major with two chords in every bar, 15 cents flat.",
            bpm=108,
            key="Ab major",
            form=_pop(
                ("Ab", "Db"),
                ("Ab", "Eb", "Fm", "Db", "Ab", "Eb", "Db", "Eb"),
                ("Db", "Eb", "Cm", "Fm", "Db", "Eb", "Ab", "Ab"),
                ("Db", "Ab"),
            ),
            timbre="pad",
            chords_per_bar=2,
            tuning_cents=-15,
            seed=19,
            features=("two chords a bar",),
        ),
        _song(
            "six_eight_c_sharp_minor_organ",
            "Organ 6/8 in C# minor (132 eighths a minute), harmonic-minor dominant, 35 cents flat.",
            bpm=132,
            meter=6,
            key="C# minor",
            form=_pop(
                ("C#m", "G#7"),
                ("C#m", "A", "E", "G#7"),
                ("A", "B", "C#m", "G#"),
                ("A", "C#m"),
            ),
            timbre="organ",
            tuning_cents=-35,
            seed=20,
            features=("compound meter", "sevenths", "minor"),
        ),
        _song(
            "gospel_bb_to_b_piano",
            "Slow gospel piano in Bb whose last chorus and outro lift a semitone to B.",
            bpm=76,
            key="Bb major",
            form=[
                ("intro", ("Bb", "Eb"), 2),
                ("verse", ("Bb", "Gm7", "Cm7", "F7"), 4),
                ("chorus", ("Ebmaj7", "F", "Dm7", "Gm"), 4),
                ("verse", ("Bb", "Gm7", "Cm7", "F7"), 4),
                ("chorus", ("Emaj7", "F#", "D#m7", "G#m"), 4, "B major"),
                ("outro", ("E", "B"), 2, "B major"),
            ],
            timbre="piano",
            tuning_cents=5,
            seed=21,
            features=("modulation", "up a semitone", "sevenths", "slow"),
        ),
        _song(
            "folk_f_sharp_major_sus_guitar",
            "Folk guitar in F# major, two chords a bar, sus2 and sus4 everywhere, 25 cents flat.",
            bpm=80,
            key="F# major",
            form=_pop(
                ("F#sus2", "F#"),
                ("F#", "F#sus4", "B", "C#sus4", "C#", "F#", "Bsus2", "C#"),
                ("B", "C#", "D#m", "D#m7", "B", "C#", "F#", "F#sus2"),
                ("Bsus2", "F#"),
                verses=1,
                bridge=("G#m7", "C#sus4", "D#m7", "C#"),
            ),
            timbre="guitar",
            chords_per_bar=2,
            tuning_cents=-25,
            seed=22,
            features=("sus2", "sus4", "two chords a bar", "bridge"),
        ),
        _song(
            "dark_eb_minor_organ",
            "Eb minor organ: diminished leading-tone chord, augmented dominant in the bridge.",
            bpm=112,
            key="Eb minor",
            form=_pop(
                ("Ebm", "Bb7"),
                ("Ebm", "Abm", "Bb7", "Ebm"),
                ("B", "Db", "Ebm", "Ddim"),
                ("Abm", "Ebm"),
                bridge=("Abm7", "Db7", "Gbmaj7", "Bbaug"),
                verses=1,
            ),
            timbre="organ",
            tuning_cents=15,
            seed=23,
            features=("dim", "aug", "sevenths", "bridge", "minor"),
        ),
        _song(
            "fast_waltz_b_major_pad",
            "Quick (176 BPM) waltz in B major with a seventh-chord bridge, 28 cents sharp.",
            bpm=176,
            meter=3,
            key="B major",
            form=_pop(
                ("B", "F#"),
                ("B", "F#", "G#m", "E", "B", "F#", "E", "F#"),
                ("E", "F#", "D#m", "G#m", "E", "F#", "B", "B"),
                ("E", "B"),
                bars=8,
                intro_bars=4,
                bridge=("C#m7", "F#7", "Bmaj7", "Emaj7", "C#m7", "F#7", "D#m7", "G#7"),
            ),
            timbre="pad",
            tuning_cents=28,
            seed=24,
            features=("waltz", "fast", "sevenths", "bridge"),
        ),
        # Varied songs: other drum patterns, spread voicings that change inversion chord by
        # chord, rooms from dry to a hall, songs with no drums, forms with pre-choruses, solos
        # and AABA. Same truth format; they test that nothing fits only the plain generator.
        _song(
            "disco_e_minor_four_on_floor_piano",
            "Disco in E minor, spread piano voicings, a pre-chorus, small room.",
            bpm=124,
            key="E minor",
            form=[
                ("intro", ("Em7", "Am7"), 2),
                ("verse", ("Em7", "Am7", "D", "G"), 8),
                ("prechorus", ("C", "D", "Bm7", "Em7"), 4),
                ("chorus", ("Am7", "D", "G", "Cmaj7"), 8),
                ("verse", ("Em7", "Am7", "D", "G"), 8),
                ("prechorus", ("C", "D", "Bm7", "Em7"), 4),
                ("chorus", ("Am7", "D", "G", "Cmaj7"), 8),
                ("outro", ("Em7", "Am7"), 2),
            ],
            timbre="piano",
            seed=25,
            groove="four_on_floor",
            voicing="spread",
            reverb_s=0.6,
            features=("varied", "four on the floor", "spread", "reverb", "prechorus", "sevenths"),
        ),
        _song(
            "reggae_a_major_one_drop_guitar",
            "Reggae one drop in A (kick and snare on 3 only), off-beat hats, a dry room.",
            bpm=76,
            key="A major",
            form=_pop(("A", "D"), ("A", "D", "E", "A"), ("D", "E", "C#m", "F#m"), ("D", "A")),
            timbre="guitar",
            tuning_cents=-8,
            seed=26,
            groove="one_drop",
            features=("varied", "one drop"),
        ),
        _song(
            "half_time_rock_f_sharp_minor_organ",
            "Half-time rock in F# minor (snare on 3), spread organ, a solo between the choruses.",
            bpm=140,
            key="F# minor",
            form=[
                ("intro", ("F#m", "D"), 4),
                ("verse", ("F#m", "D", "A", "E"), 8),
                ("chorus", ("D", "E", "F#m", "F#m"), 8),
                ("solo", ("Bm", "C#7", "F#m", "E"), 8),
                ("chorus", ("D", "E", "F#m", "F#m"), 8),
                ("outro", ("F#m", "D"), 4),
            ],
            timbre="organ",
            tuning_cents=12,
            seed=27,
            groove="half_time",
            voicing="spread",
            reverb_s=0.8,
            features=("varied", "half time", "spread", "reverb", "solo", "minor"),
        ),
        _song(
            "ballad_no_drums_db_major_piano",
            "Solo piano ballad in Db with no drums, AABA, spread voicings, a long reverb.",
            bpm=66,
            key="Db major",
            form=[
                ("verse", ("Db", "Bbm7", "Gbmaj7", "Ab"), 4),
                ("verse", ("Db", "Bbm7", "Gbmaj7", "Ab"), 4),
                ("bridge", ("Gb", "Ab", "Fm7", "Bbm"), 4),
                ("verse", ("Db", "Bbm7", "Gbmaj7", "Ab"), 4),
            ],
            timbre="piano",
            seed=28,
            groove="none",
            voicing="spread",
            reverb_s=1.8,
            features=("varied", "no drums", "spread", "reverb", "AABA", "slow", "sevenths"),
        ),
        _song(
            "pop_b_major_112_spread_pad",
            "Pop in B major at 112 BPM, spread pad voicings that change inversion, a medium room.",
            bpm=112,
            key="B major",
            form=_pop(
                ("B", "E"),
                ("B", "F#", "G#m", "E"),
                ("E", "F#", "B", "G#m"),
                ("E", "B"),
                bars=8,
                verses=1,
                bridge=("C#m", "E", "F#", "F#"),
            ),
            timbre="pad",
            seed=29,
            voicing="spread",
            reverb_s=1.0,
            features=("varied", "spread", "reverb", "bridge"),
        ),
        _song(
            "waltz_no_drums_c_minor_guitar",
            "Fingerstyle-like guitar waltz in C minor with no drums, spread voicings, a hall.",
            bpm=100,
            meter=3,
            key="C minor",
            form=_pop(
                ("Cm", "G7"),
                ("Cm", "Fm", "G7", "Cm", "Ab", "Fm", "G", "Cm"),
                ("Ab", "Eb", "Fm", "G", "Ab", "Eb", "G7", "Cm"),
                ("Fm", "Cm"),
                bars=8,
                intro_bars=4,
            ),
            timbre="guitar",
            tuning_cents=-20,
            seed=30,
            groove="none",
            voicing="spread",
            reverb_s=1.2,
            features=("varied", "no drums", "waltz", "spread", "reverb", "minor"),
        ),
        _song(
            "six_eight_g_major_hall_piano",
            "6/8 piano in G (120 eighths a minute) in a large hall (2.5 s), spread voicings.",
            bpm=120,
            meter=6,
            key="G major",
            form=_pop(("G", "D"), ("G", "Em", "C", "D"), ("C", "D", "Bm", "Em"), ("C", "G")),
            timbre="piano",
            seed=31,
            voicing="spread",
            reverb_s=2.5,
            features=("varied", "compound meter", "spread", "reverb"),
        ),
        _song(
            "house_g_minor_four_on_floor_organ",
            "House in G minor: four on the floor, eight-bar sections, a breakdown, spread organ.",
            bpm=122,
            key="G minor",
            form=[
                ("intro", ("Gm", "Eb", "Bb", "F"), 8),
                ("verse", ("Gm", "Eb", "Bb", "F"), 8),
                ("chorus", ("Cm7", "F", "Bbmaj7", "Gm"), 8),
                ("bridge", ("Eb", "F"), 4),
                ("chorus", ("Cm7", "F", "Bbmaj7", "Gm"), 8),
                ("outro", ("Gm", "Eb", "Bb", "F"), 8),
            ],
            timbre="organ",
            tuning_cents=-15,
            seed=32,
            groove="four_on_floor",
            voicing="spread",
            reverb_s=0.5,
            features=("varied", "four on the floor", "spread", "reverb", "minor", "sevenths"),
        ),
    ]


def benchmark_suite(*, quick: bool = False) -> list[SuiteSong]:
    """The benchmark songs, in a fixed order; ``quick`` keeps the six named in :data:`QUICK`."""
    songs = _songs()
    if quick:
        return [song for song in songs if song.name in QUICK]
    return songs
