"""``performia bench lyrics``: separation, recognition and word timing against exact truth.

Each song is rendered by :func:`performia.testing.synth.render_song` with espeak-ng singing its
lyric lines as phrases over a band (tempo, meter, band loudness and instrumental gaps vary), so
every word's start is known to the sample. Then, exactly as the ``separate`` and ``transcribe``
stages do it:

1. the mix is separated (the configured engine; Spleeter here) and the vocals estimate scored
   as SDR against the true voice;
2. words are recognised on the vocals stem (and, for comparison, on the mix) and scored as word
   error rate and as onset error of the words recognised correctly;
3. vocal activity is detected on the stem and :func:`performia.analysis.word_timing.time_words`
   times the words without and with the given lyrics (with them, forced alignment on the stem
   times the words recognition did not hear, :func:`performia.stages.transcribe.force_align`,
   as the stage does); every given word is scored against its
   true start (mean absolute error, share within 0.3 s), and words placed inside an
   instrumental gap of the truth are counted.

Nothing here is tuned on these songs; they only measure.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "LYRIC_SONGS",
    "SR",
    "LyricSong",
    "chain_speed_table",
    "evaluate_lyric_song",
    "lyrics_table",
    "render_lyric_song",
    "run_lyrics_bench",
]

#: Onset tolerance of the "within" share (s): the issue's target window.
WITHIN_S = 0.3
#: A truth gap at least this long between sung words is an instrumental passage.
GAP_S = 2.0
#: Render rate (Hz): Spleeter's own, so the separator sees the mix as it was made.
SR = 44100
#: Band loudness presets: the gains of drums and chords against the voice's 0.8.
BAND_LEVELS = {
    "quiet": {"drums": 0.3, "chords": 0.25},
    "normal": {"drums": 0.6, "chords": 0.5},
    "loud": {"drums": 0.9, "chords": 0.8},
}


@dataclass(frozen=True)
class LyricSong:
    """A lyric benchmark song: lines sung as phrases, blank lines rest a bar."""

    name: str
    bpm: float
    lyrics: str
    band: str = "normal"
    meter: int = 4
    timbre: str = "piano"
    progression: tuple[str, ...] = ("C", "G", "Am", "F")
    key: str = "C major"
    word_gap_s: float = 0.06
    seed: int = 0

    @property
    def given(self) -> str:
        """The lyrics as a user would type them: one line per sung line."""
        return "\n".join(line.strip() for line in self.lyrics.strip().splitlines() if line.strip())


def _song_form(verses: Sequence[str], chorus: str, *, bridge: str = "", rest: int = 1) -> str:
    """verse 1, chorus, verse 2, chorus, [bridge,] chorus, with ``rest`` bars between parts.

    Real songs repeat their chorus and run for minutes: recognition prompts, alignment of
    repeated lines and drift only show on that shape.
    """
    parts = [verses[0], chorus, verses[1 % len(verses)], chorus]
    if bridge:
        parts.append(bridge)
    parts.append(chorus)
    gap = "\n" + "\n" * rest
    return gap.join(part.strip() for part in parts)


LYRIC_SONGS: tuple[LyricSong, ...] = (
    LyricSong(
        "morning_light_100",
        100,
        _song_form(
            [
                """Morning light is falling softly on the river
                Every voice is singing gently through the valley""",
                """Children running down the hill into the meadow
                Calling out the names of everyone they know""",
            ],
            """Hold the moment carry it along the water
            Sing it louder let the echo bring it home""",
        ),
        seed=1,
    ),
    LyricSong(
        "highway_ballad_72_quiet",
        72,
        _song_form(
            [
                """I drove all night to find you
                The highway lights were burning low""",
                """I kept your letter by the window
                And read it every mile I go""",
            ],
            """Take me home before the morning
            Take me home where I belong""",
            rest=2,
        ),
        band="quiet",
        timbre="pad",
        progression=("F", "Dm", "Bb", "C"),
        key="F major",
        seed=2,
    ),
    LyricSong(
        "city_rain_128_loud",
        128,
        _song_form(
            [
                """The city rain is calling out my name
                We run together through the neon streets""",
                """The taxi driver never knew our story
                We left the party long before the end""",
            ],
            """Nobody knows the way we feel tonight
            So turn it up and let the music play""",
            bridge="""Every window every light
            Every heartbeat burning bright""",
        ),
        band="loud",
        timbre="guitar",
        progression=("E", "B", "C#m", "A"),
        key="E major",
        seed=3,
    ),
    LyricSong(
        "waltz_of_the_harbour_120",
        120,
        _song_form(
            [
                """Down by the harbour the sailors are dancing
                Under the lanterns they sing of the sea""",
                """Ships in the distance are turning for home now
                Bringing the silver and gold from the east""",
            ],
            """Come with me darling the night is still young""",
        ),
        meter=3,
        timbre="organ",
        progression=("G", "C", "D", "G"),
        key="G major",
        seed=4,
    ),
    LyricSong(
        "gospel_call_88",
        88,
        _song_form(
            [
                """Lift your hands and raise your voices
                Let the whole world hear the song""",
                """We have waited for the morning
                And the morning will be bright""",
            ],
            """Glory glory in the highest
            Sing it out and sing it strong""",
            rest=3,
        ),
        timbre="piano",
        progression=("Bb", "Eb", "F", "Bb"),
        key="Bb major",
        seed=5,
    ),
    LyricSong(
        "punk_anthem_160_loud",
        160,
        _song_form(
            [
                """We will never go back to the way it was
                Tear the posters down and paint the walls again""",
                """They told us to be quiet and to wait our turn
                But we are done with waiting we are done with them""",
            ],
            """Shout it from the rooftops shout it to the sky""",
        ),
        band="loud",
        timbre="guitar",
        progression=("D", "A", "G", "D"),
        key="D major",
        seed=6,
    ),
    LyricSong(
        "lullaby_76_quiet",
        76,
        _song_form(
            [
                """Close your eyes the stars are shining
                Sleep my little one tonight""",
                """Dream of gardens full of flowers
                And a river made of light""",
            ],
            """Hush now hush now
            Morning comes with the sun""",
            rest=2,
        ),
        band="quiet",
        timbre="pad",
        progression=("A", "D", "E", "A"),
        key="A major",
        seed=7,
    ),
    LyricSong(
        "road_song_112",
        112,
        _song_form(
            [
                """Pack the car and leave the keys beneath the door
                We are chasing summer down the coastal road""",
                """Every town we pass is singing our old song
                Every mile is another story told""",
            ],
            """Drive on drive on
            Till the ocean meets the sky""",
            bridge="""Radio is playing and the windows are down""",
        ),
        timbre="organ",
        progression=("Am", "F", "C", "G"),
        key="A minor",
        seed=8,
    ),
)


@dataclass
class LyricScores:
    """One song's numbers (``None`` where a step did not run)."""

    name: str
    duration: float
    words: int
    sdr_db: float | None = None
    mix_sdr_db: float | None = None
    wer_stem: float | None = None
    wer_mix: float | None = None
    recognised_mae_s: float | None = None
    recognised_within: float | None = None
    given_mae_s: float | None = None
    given_within: float | None = None
    given_in_gaps: int | None = None
    recognised_in_gaps: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def render_lyric_song(
    song: LyricSong, *, vocal_gain: float | None = None
) -> tuple[np.ndarray, Any, dict[str, np.ndarray]]:
    """Render ``song`` at :data:`SR` with enough bars for its lines and a closing bar.

    ``vocal_gain`` sets the voice's level against the band's preset (default 0.8), so the
    recognition bench can hear the same song with a louder or softer singer.
    """
    from performia.testing.synth import render_song

    voice = 0.8 if vocal_gain is None else vocal_gain
    levels = {**BAND_LEVELS[song.band], "melody": 0.0, "vocals": voice}
    bars = 4
    while True:  # the fewest whole cycles of the progression that hold every word, plus one
        try:
            return render_song(
                bpm=song.bpm,
                meter=song.meter,
                bars=bars + 4,
                progression=song.progression,
                key=song.key,
                lyrics=song.lyrics,
                word_gap_s=song.word_gap_s,
                levels=levels,
                timbre=song.timbre,
                sr=SR,
                seed=song.seed,
            )
        except ValueError as exc:
            if "do not fit" not in str(exc) or bars > 256:
                raise
            bars += 4


def _gaps(words: Sequence[Any], duration: float) -> list[tuple[float, float]]:
    """Instrumental stretches of the truth: before the first word, between phrases, after."""
    edges = [0.0, *[x for w in words for x in (w.start, w.end)], duration]
    pairs = zip(edges[0::2], edges[1::2], strict=True)
    return [(a, b) for a, b in pairs if b - a >= GAP_S]


def _in_gaps(words: Sequence[Any], gaps: Sequence[tuple[float, float]]) -> int:
    return sum(any(a + 0.5 <= w.start <= b - 0.5 for a, b in gaps) for w in words)


def _onset_scores(truth: Sequence[float], estimate: Sequence[float]) -> tuple[float, float]:
    err = np.abs(np.asarray(estimate, dtype=float) - np.asarray(truth, dtype=float))
    if err.size == 0:
        return float("nan"), 0.0
    return float(err.mean()), float(np.mean(err <= WITHIN_S))


def evaluate_lyric_song(
    song: LyricSong,
    *,
    separator: str = "spleeter",
    engine: str = "faster-whisper",
    model: str = "tiny.en",
) -> LyricScores:
    """Render, separate, recognise and time one song as the stages do; score every step."""
    from performia.analysis.lyrics import parse_lyrics
    from performia.analysis.vocal_activity import detect_vocal_activity
    from performia.analysis.word_onsets import voice_onsets
    from performia.analysis.word_timing import time_words
    from performia.bench.separation import sdr_db
    from performia.separation import get_separator
    from performia.settings import get_settings
    from performia.stages.transcribe import force_align, hear_stem
    from performia.transcription import get_recognizer, normalise_words
    from performia.transcription.wer import word_edits

    mix, truth, stems = render_lyric_song(song)
    duration = len(mix) / SR
    scores = LyricScores(song.name, round(duration, 2), len(truth.words))

    t0 = time.perf_counter()
    sep = get_separator(separator)
    stereo = np.stack([mix, mix]) if sep.channels == 2 else mix[None, :]
    vocals = sep.separate(stereo.astype(np.float32))["vocals"].mean(axis=0)
    scores.seconds["separate"] = round(time.perf_counter() - t0, 2)
    scores.sdr_db = round(sdr_db(stems["vocals"], vocals), 2)
    scores.mix_sdr_db = round(sdr_db(stems["vocals"], mix), 2)

    recognizer = get_recognizer(engine, model)
    reference = normalise_words(" ".join(w.text for w in truth.words))

    def heard(words: Sequence[Any]) -> list[str]:
        # one normalised token per recognised word, so alignment pairs map back to times
        return [" ".join(normalise_words(w.text)) for w in words]

    t0 = time.perf_counter()
    on_stem = recognizer.transcribe(vocals, sr=SR, language="en")
    scores.seconds["transcribe"] = round(time.perf_counter() - t0, 2)
    on_mix = recognizer.transcribe(mix, sr=SR, language="en")
    scores.wer_stem = round(word_edits(reference, heard(on_stem.words)).wer, 3)
    scores.wer_mix = round(word_edits(reference, heard(on_mix.words)).wer, 3)

    # what the transcribe stage does: its signal, vocal activity and onsets from the stem
    use_stem = hear_stem(get_settings().asr_input, separator)
    signal = vocals if use_stem else mix
    recognised = on_stem if use_stem else on_mix
    activity = detect_vocal_activity(y=vocals, sr=SR)
    onsets = voice_onsets(y=vocals, sr=SR)
    gaps = _gaps(truth.words, duration)
    timed, _ = time_words(recognised, activity, duration, onsets=onsets)
    tokens = heard(timed.words)
    edits = word_edits(reference, tokens)
    pairs = [
        (truth.words[i].start, timed.words[j].start)
        for i, j in edits.pairs
        if i is not None and j is not None and reference[i] == tokens[j]
    ]
    if pairs:
        mae, within = _onset_scores(*zip(*pairs, strict=True))
        scores.recognised_mae_s, scores.recognised_within = round(mae, 3), round(within, 3)
    scores.recognised_in_gaps = _in_gaps(timed.words, gaps)

    given = parse_lyrics(song.given)
    prompted = recognizer.transcribe(signal, sr=SR, language="en", prompt=given.prompt)
    forced, _ = force_align(recognizer, given, activity, duration, vocals, SR, "en")
    aligned, _ = time_words(prompted, activity, duration, given=given, forced=forced)
    if len(aligned.words) == len(truth.words):
        mae, within = _onset_scores(
            [w.start for w in truth.words], [w.start for w in aligned.words]
        )
        scores.given_mae_s, scores.given_within = round(mae, 3), round(within, 3)
    scores.given_in_gaps = _in_gaps(aligned.words, gaps)
    return scores


def run_lyrics_bench(
    *,
    songs: Sequence[str] | None = None,
    separator: str = "spleeter",
    engine: str = "faster-whisper",
    model: str = "tiny.en",
    on_song: Callable[[LyricScores], None] | None = None,
) -> dict[str, Any]:
    """Every song of :data:`LYRIC_SONGS` (or those named), and the means over them."""
    chosen = [s for s in LYRIC_SONGS if songs is None or s.name in songs]
    unknown = set(songs or ()) - {s.name for s in LYRIC_SONGS}
    if unknown:
        known = ", ".join(s.name for s in LYRIC_SONGS)
        raise ValueError(f"unknown lyric songs {sorted(unknown)}; known: {known}")
    rows = []
    for song in chosen:
        row = evaluate_lyric_song(song, separator=separator, engine=engine, model=model)
        rows.append(row)
        if on_song is not None:
            on_song(row)
    metrics = [
        "sdr_db",
        "mix_sdr_db",
        "wer_stem",
        "wer_mix",
        "recognised_mae_s",
        "recognised_within",
        "given_mae_s",
        "given_within",
    ]
    means: dict[str, float | None] = {}
    for m in metrics:
        values = [getattr(r, m) for r in rows if getattr(r, m) is not None]
        means[m] = round(float(np.mean(values)), 3) if values else None
    # word-weighted shares: every word counts once, whatever song it is in
    words = sum(r.words for r in rows)
    for m in ("given_within", "given_mae_s"):
        scored = [r for r in rows if getattr(r, m) is not None]
        if scored:
            means[f"{m}_per_word"] = round(
                sum(getattr(r, m) * r.words for r in scored) / sum(r.words for r in scored), 3
            )
    means["given_in_gaps"] = sum(r.given_in_gaps or 0 for r in rows)
    means["recognised_in_gaps"] = sum(r.recognised_in_gaps or 0 for r in rows)
    return {
        "separator": separator,
        "engine": engine,
        "model": model,
        "words": words,
        "songs": [asdict(r) for r in rows],
        "means": means,
    }


def lyrics_table(result: dict[str, Any]) -> Any:
    """The means as a rich table."""
    from rich.table import Table

    m = result["means"]
    table = Table(
        title=f"Lyrics: {len(result['songs'])} songs, {result['words']} words "
        f"({result['separator']} → {result['engine']} {result['model']})"
    )
    table.add_column("step")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("target (issue 4)")

    def fmt(v: Any, pattern: str) -> str:
        return "–" if v is None else pattern.format(v)

    rows = [
        ("separation", "vocals SDR (dB)", fmt(m["sdr_db"], "{:.1f}"), ""),
        ("separation", "the mix as the estimate (dB)", fmt(m["mix_sdr_db"], "{:.1f}"), ""),
        ("recognition", "WER on the separated vocals", fmt(m["wer_stem"], "{:.3f}"), ""),
        (
            "recognition",
            "WER on the mix (used beside Spleeter)",
            fmt(m["wer_mix"], "{:.3f}"),
            "≤ 0.25",
        ),
        (
            "recognition",
            "onset MAE, words heard right (s)",
            fmt(m["recognised_mae_s"], "{:.3f}"),
            "",
        ),
        ("recognition", f"onsets within {WITHIN_S} s", fmt(m["recognised_within"], "{:.1%}"), ""),
        (
            "given lyrics",
            "onset MAE, every word (s)",
            fmt(m.get("given_mae_s_per_word"), "{:.3f}"),
            "≤ 0.15",
        ),
        (
            "given lyrics",
            f"words within {WITHIN_S} s",
            fmt(m.get("given_within_per_word"), "{:.1%}"),
            "≥ 95 %",
        ),
        ("guards", "given words in instrumental gaps", str(m["given_in_gaps"]), "0"),
        ("guards", "recognised words in gaps", str(m["recognised_in_gaps"]), "0"),
    ]
    for row in rows:
        table.add_row(*row)
    return table


def chain_speed_table(speed: dict[str, Any]) -> Any:
    """Separation and recognition of one 3-minute song, and their sum against the target."""
    from rich.table import Table

    sep = speed["separation"]["rows"][0]
    asr = speed["transcription"]
    table = Table(title=f"Speed on a {speed['separation']['duration']:.0f} s song, 2 cores")
    for column in ("step", "engine", "seconds", "real-time factor", "peak RSS MB", "status"):
        table.add_column(
            column,
            justify="right" if column in ("seconds", "real-time factor", "peak RSS MB") else "left",
        )

    def cells(row: dict[str, Any]) -> list[str]:
        def num(key: str, spec: str) -> str:
            value = row.get(key)
            return "–" if value is None else format(value, spec)

        return [num("seconds", ".1f"), num("rtf", ".3f"), num("peak_rss_mb", ".0f")]

    table.add_row("separate", str(sep.get("label") or sep["engine"]), *cells(sep), sep["status"])
    table.add_row(
        "transcribe", f"{asr['engine']} {asr['model']}", *cells(asr), str(asr.get("status"))
    )
    if sep.get("seconds") is not None and asr.get("seconds") is not None:
        total = sep["seconds"] + asr["seconds"]
        table.add_row(
            "both", "", f"{total:.1f}", "", "", "target ≤ 90 s " + ("✓" if total <= 90 else "✗")
        )
    return table
