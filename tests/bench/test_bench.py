"""The benchmark: its suite covers what it promises, its scores mean what they say, the harness
reports missing analyses instead of crashing, and the synthesiser's new features are really in
the audio (tuning, swing, timbres, forms and key changes)."""

from __future__ import annotations

import itertools
import json
import math
import re
from types import SimpleNamespace

import mir_eval
import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from performia.bench import TASKS, call_with, parse_tasks, resolve
from performia.bench import accuracy as acc
from performia.bench.cli import bench_app
from performia.bench.speed import ENTRY_POINTS, run_speed, speed_form, speed_table
from performia.testing.suite import QUICK, benchmark_suite, compose_melody, render_suite_song
from performia.testing.synth import GROOVES, TIMBRES, VOICINGS, chord_pitches, render_song

SR = 22050
NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def _rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))) if len(y) else 0.0


def _segment(y: np.ndarray, start: float, seconds: float) -> np.ndarray:
    i = round(start * SR)
    return y[i : i + round(seconds * SR)].astype(np.float64)


def _peak_hz(segment: np.ndarray, lo: float, hi: float) -> float:
    """The strongest spectral peak between ``lo`` and ``hi`` Hz, parabolically interpolated."""
    n_fft = 1 << 18
    spectrum = np.log(np.abs(np.fft.rfft(segment * np.hanning(len(segment)), n_fft)) + 1e-12)
    freqs = np.fft.rfftfreq(n_fft, 1 / SR)
    band = np.flatnonzero((freqs >= lo) & (freqs <= hi))
    k = band[np.argmax(spectrum[band])]
    a, b, c = spectrum[k - 1 : k + 2]
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * SR / n_fft


def _shift(symbol: str, semitones: int) -> str:
    root, quality = re.match(r"^([A-G][#b]?)(.*)$", symbol).groups()
    pc = chord_pitches(root)[1] % 12
    return NAMES[(pc + semitones) % 12] + quality


# ------------------------------------------------------------------------------------- suite


def test_suite_is_deterministic():
    first, second = benchmark_suite(), benchmark_suite()
    assert first == second
    assert len({s.name for s in first}) == len(first)
    quick = benchmark_suite(quick=True)
    assert [s.name for s in quick] == [s.name for s in first if s.name in QUICK]
    assert len(quick) == 6 and set(QUICK) == {s.name for s in quick}
    song = quick[0]
    a, b = render_suite_song(song, SR), render_suite_song(song, SR)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]


def test_suite_covers_the_promised_ranges():
    songs = benchmark_suite()
    assert len(songs) >= 24
    tempos = [s.tempo for s in songs]
    assert min(tempos) <= 70 and max(tempos) == 180
    assert {s.meter for s in songs} == {"3/4", "4/4", "6/8"}
    tunings = [s.tuning_cents for s in songs]
    assert min(tunings) == -40 and max(tunings) == 40 and all(abs(t) <= 40 for t in tunings)
    assert {s.timbre for s in songs} == set(TIMBRES)
    keys = {k for s in songs for k in s.keys}
    assert {k.split()[1] for k in keys} == {"major", "minor"}
    assert len({s.key for s in songs}) >= 20 and len({s.key.split()[0] for s in songs}) >= 12
    assert sum(s.kwargs["swing"] > 0 for s in songs) >= 3
    assert sum(len(s.keys) > 1 for s in songs) >= 3  # modulations
    assert sum(s.kwargs["chords_per_bar"] > 1 for s in songs) >= 2
    qualities = {
        re.match(r"^[A-G][#b]?(.*)$", chord).group(1)
        for s in songs
        for entry in s.kwargs["form"]
        for chord in entry[1]
    }
    assert {"", "m", "7", "maj7", "m7", "sus2", "sus4", "dim", "aug"} <= qualities
    kinds = {entry[0] for s in songs for entry in s.kwargs["form"]}
    assert {"intro", "verse", "chorus", "bridge", "outro"} <= kinds
    for s in songs:
        assert sum(p is not None for p, _ in s.kwargs["melody"]) >= 20, s.name
        assert sum(d for _, d in s.kwargs["melody"]) == pytest.approx(s.bars * s.kwargs["meter"])
        assert 40 <= s.duration <= 90, s.name
    # the varied songs: every groove, spread voicings, rooms up to a hall, no drums
    varied = [s for s in songs if "varied" in s.features]
    assert len(varied) >= 8
    assert {s.kwargs.get("groove", "backbeat") for s in songs} == set(GROOVES)
    assert {s.kwargs.get("voicing", "close") for s in songs} == set(VOICINGS)
    assert max(s.kwargs.get("reverb_s", 0.0) for s in songs) >= 2.0
    assert {"prechorus", "solo"} <= kinds
    for s in songs[:24]:  # the first songs sound exactly as they did
        assert not {"groove", "voicing", "reverb_s"} & set(s.kwargs), s.name
    quick = benchmark_suite(quick=True)
    assert {s.meter for s in quick} == {"3/4", "4/4", "6/8"}
    assert {s.timbre for s in quick} == set(TIMBRES)
    assert any(len(s.keys) > 1 for s in quick) and any(s.kwargs["swing"] for s in quick)


def test_composed_melody_fits_the_chords_and_repeats_transposed():
    form = [
        ("intro", ("C",), 1),
        ("verse", ("C", "G"), 4),
        ("chorus", ("F", "G"), 4),
        ("chorus", ("G", "A"), 4, "D major"),
    ]
    melody = compose_melody(form, key="C major", seed=3)
    assert melody == compose_melody(form, key="C major", seed=3)
    assert melody[0] == (None, 4.0)  # the intro rests
    beats = np.cumsum([0.0] + [d for _, d in melody])
    assert beats[-1] == pytest.approx(13 * 4)
    first = [(p, d) for (p, d), b in zip(melody, beats, strict=False) if 20 <= b < 36]
    second = [(p, d) for (p, d), b in zip(melody, beats, strict=False) if 36 <= b < 52]
    assert [d for _, d in first] == [d for _, d in second]
    assert [None if p is None else p + 2 for p, _ in first] == [p for p, _ in second]
    bars = [(entry, bar) for entry in form for bar in range(entry[2])]
    for (pitch, _), start in zip(melody, beats, strict=False):
        if pitch is not None and start % 4 == 0:  # a bar's first note is a chord tone
            entry, bar = bars[int(start // 4)]
            chord = entry[1][bar % len(entry[1])]
            assert pitch % 12 in {p % 12 for p in chord_pitches(chord)}, (start, chord)
        if pitch is not None:
            assert 60 <= pitch <= 81


# ------------------------------------------------------------------------------------ scores


@pytest.fixture(scope="module")
def modulating():
    song = next(s for s in benchmark_suite() if s.name == "modulating_a_minor_organ")
    return render_suite_song(song, SR)


def test_rhythm_scores(modulating):
    _, truth, _ = modulating
    exact = SimpleNamespace(
        beats=truth.beats,
        downbeats=truth.downbeats,
        tempo=truth.tempo_bpm,
        time_signature=truth.time_signature,
    )
    assert acc.rhythm_scores(truth, exact) == {
        "beat_f": 1.0,
        "downbeat_f": 1.0,
        "tempo_acc": 1.0,
        "meter_acc": 1.0,
    }
    late = SimpleNamespace(
        beats=[b + 0.1 for b in truth.beats],
        downbeats=[b + 0.1 for b in truth.downbeats],
        tempo=truth.tempo_bpm * 2,
        time_signature=(3, 4),
    )
    scores = acc.rhythm_scores(truth, late)
    assert scores["beat_f"] < 0.5 and scores["downbeat_f"] < 0.5
    assert scores["tempo_acc"] == 0.0 and scores["meter_acc"] == 0.0
    half = SimpleNamespace(beats=truth.beats[::2], downbeats=truth.downbeats, tempo=None)
    assert acc.rhythm_scores(truth, half)["beat_f"] == pytest.approx(2 / 3, abs=0.02)


def test_chord_scores(modulating):
    _, truth, _ = modulating
    assert acc.chord_scores(truth, truth.chords) == {"chord_majmin": 1.0, "chord_sevenths": 1.0}
    up = [
        SimpleNamespace(start=c.start, end=c.end, symbol=_shift(c.symbol, 1)) for c in truth.chords
    ]
    off = acc.chord_scores(truth, up)
    # only the no-chord lead-in and tail (1 s of 61 s) still agree
    assert off["chord_majmin"] < 0.05 and off["chord_sevenths"] < 0.05
    nothing = acc.chord_scores(truth, [])
    n_share = (truth.chords[0].start + truth.duration - truth.chords[-1].end) / truth.duration
    assert nothing["chord_majmin"] == pytest.approx(n_share, abs=1e-6)
    # triads for sevenths: right under majmin, wrong under sevenths where a seventh was played
    triads = [
        SimpleNamespace(start=c.start, end=c.end, symbol=c.symbol.replace("7", ""))
        for c in truth.chords
    ]
    loose = acc.chord_scores(truth, triads)
    assert loose["chord_majmin"] == 1.0 and loose["chord_sevenths"] < 0.95
    # gaps and overlaps in an estimate are tolerated
    ragged = [
        SimpleNamespace(start=c.start + 0.05, end=c.end + 0.1, symbol=c.symbol)
        for c in truth.chords
    ]
    assert 0.95 < acc.chord_scores(truth, ragged)["chord_majmin"] < 1.0


def test_to_harte_encodes_the_synthesiser_vocabulary():
    encode = mir_eval.chord.encode  # enharmonic spellings (Bb, A#) encode alike
    expected = {
        "C": "C:maj",
        "Bb": "Bb:maj",
        "F#m7": "F#:min7",
        "Gsus4": "G:sus4",
        "Ebsus2": "Eb:sus2",
        "Bdim": "B:dim",
        "Caug": "C:aug",
        "Cmaj7": "C:maj7",
        "A7": "A:7",
        "N": "N",
    }
    for symbol, harte in expected.items():
        ours, truth = encode(acc.to_harte(symbol)), encode(harte)
        assert ours[0] == truth[0] and np.array_equal(ours[1], truth[1]), symbol
    assert acc.to_harte("H#x") == "X"


def test_key_scores(modulating):
    _, truth, _ = modulating
    segments = [(k.start, k.end, k.key) for k in truth.key_segments]
    assert acc.key_scores(truth, "A minor", segments) == {"key": 1.0, "key_segments": 1.0}
    assert acc.key_scores(truth, "a:min")["key"] == 1.0  # spelling does not matter
    only_home = acc.key_scores(truth, "A minor")
    share = sum(k.end - k.start for k in truth.key_segments if k.key == "A minor") / sum(
        k.end - k.start for k in truth.key_segments
    )
    assert only_home["key_segments"] == pytest.approx(share)
    assert acc.key_scores(truth, "C major")["key"] == pytest.approx(0.3)  # relative
    assert acc.key_scores(truth, "Bb minor")["key"] == 0.0
    assert acc.key_scores(truth, None) == {"key": 0.0, "key_segments": 0.0}


def test_melody_scores(modulating):
    _, truth, _ = modulating
    times = np.arange(0.0, truth.duration, 0.0058)
    f0 = acc.truth_f0(truth, times)
    assert f0[times < truth.beats[0]].max() == 0.0  # nothing before the first beat
    note = truth.melody[0]
    hz = f0[np.searchsorted(times, (note.start + note.end) / 2)]
    assert 1200 * math.log2(hz / 440) == pytest.approx(
        (note.pitch_midi - 69) * 100 + truth.tuning_cents
    )
    assert acc.melody_scores(truth, SimpleNamespace(times=times, f0_hz=f0)) == {
        "oa": 1.0,
        "rpa": 1.0,
    }
    up = acc.melody_scores(truth, SimpleNamespace(times=times, f0_hz=f0 * 2 ** (1 / 12)))
    assert up["rpa"] == 0.0 and up["oa"] < 0.5
    silent = acc.melody_scores(truth, SimpleNamespace(times=times, f0_hz=np.zeros_like(f0)))
    assert silent["rpa"] == 0.0


def test_section_scores(modulating):
    _, truth, _ = modulating
    exact = acc.section_scores(truth, truth.sections)
    assert exact == {"boundary_f_0.5": 1.0, "boundary_f_3": 1.0, "pairwise_f": 1.0}
    # sections running from 0 s to the end of the audio are the same boundaries
    sections = list(truth.sections)
    sections[0] = SimpleNamespace(start=0.0, end=sections[0].end, label=sections[0].label)
    sections[-1] = SimpleNamespace(
        start=sections[-1].start, end=truth.duration, label=sections[-1].label
    )
    assert acc.section_scores(truth, sections)["boundary_f_0.5"] == 1.0
    late = [
        SimpleNamespace(start=s.start + 1, end=s.end + 1, label=s.label) for s in truth.sections
    ]
    scores = acc.section_scores(truth, late)
    assert scores["boundary_f_0.5"] == 0.0 and scores["boundary_f_3"] == 1.0
    whole = [SimpleNamespace(start=0.0, end=truth.duration, label="A")]
    assert acc.section_scores(truth, whole)["boundary_f_3"] == 0.0
    relabelled = [SimpleNamespace(start=s.start, end=s.end, label="Z") for s in truth.sections]
    assert acc.section_scores(truth, relabelled)["pairwise_f"] < 0.7


# ----------------------------------------------------------------------------------- harness


def test_resolve_call_with_and_parse_tasks(monkeypatch):
    monkeypatch.setitem(ENTRY_POINTS, ("rhythm", "performia"), ("performia.no_such_module", "f"))
    function, why = resolve("rhythm", "performia")
    assert function is None and why.startswith("not available") and "no_such_module" in why
    monkeypatch.setitem(ENTRY_POINTS, ("rhythm", "performia"), ("performia.bench", "nothing"))
    assert resolve("rhythm", "performia")[1] == "not available: performia.bench has no nothing()"

    def narrow(*, y, sr):
        return (y, sr)

    def wide(*, y, **rest):
        return rest

    assert call_with(narrow, y=1, sr=2, beats=3) == (1, 2)
    assert call_with(wide, y=1, sr=2, beats=3) == {"sr": 2, "beats": 3}
    assert parse_tasks(None) == TASKS
    assert parse_tasks("structure, rhythm") == ("rhythm", "structure")
    with pytest.raises(ValueError, match="unknown analyses"):
        parse_tasks("rhythm,tempo")


def test_harness_scores_an_oracle_and_reports_missing_and_failing(monkeypatch):
    """Analyses that return the truth score 1.0 everywhere; a missing one says "not available",
    a raising one "error", and neither stops the run."""
    song = next(s for s in benchmark_suite(quick=True) if s.name == "pop_c_major")
    _, truth, _ = render_suite_song(song, SR)
    grid = np.arange(0.0, truth.duration, 0.01)
    calls = []

    def rhythm(*, y, sr):
        return SimpleNamespace(
            beats=truth.beats,
            downbeats=truth.downbeats,
            tempo=truth.tempo_bpm,
            time_signature=truth.time_signature,
        )

    def harmony(*, y, sr, beats=None):
        calls.append(("harmony", beats))
        segments = tuple((k.start, k.end, k.key) for k in truth.key_segments)
        return SimpleNamespace(
            key=truth.key,
            chords=truth.chords,
            tuning_cents=truth.tuning_cents,
            key_segments=segments,
        )

    def melody(*, y, sr, source="mix"):
        calls.append(("melody", source))
        return SimpleNamespace(times=grid, f0_hz=acc.truth_f0(truth, grid))

    def structure(*, y, sr, beats, downbeats=(), chords=()):
        calls.append(("structure", len(chords)))
        return truth.sections

    def broken(**_):
        raise RuntimeError("boom")

    table = {
        ("rhythm", "performia"): rhythm,
        ("harmony", "performia"): harmony,
        ("melody", "performia"): melody,
        ("structure", "performia"): structure,
        ("harmony", "baseline"): broken,
    }

    def fake_resolve(task, system):
        if (task, system) in table:
            return table[(task, system)], f"fake.{task}"
        return None, f"not available: no {system} {task} here"

    monkeypatch.setattr(acc, "resolve", fake_resolve)
    entry = acc.evaluate_song(song, sr=SR)
    ours = entry.scores["performia"]
    assert set(ours) == {m for task in TASKS for m in acc.METRICS[task]}
    for metric, value in ours.items():
        assert value == pytest.approx(0.0 if metric in acc.LOWER_IS_BETTER else 1.0), metric
    assert ("harmony", truth.beats) in calls and ("structure", len(truth.chords)) in calls
    assert {source for name, source in calls if name == "melody"} == {"vocals", "mix"}
    assert entry.scores["baseline"] == {}
    status = entry.status["baseline"]
    assert status["rhythm"].startswith("not available")
    assert status["harmony"] == "error: RuntimeError: boom"
    assert status["inputs"].startswith("truth beats")

    report = acc.AccuracyReport([entry], TASKS, SR, quick=True)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["means"]["performia"]["beat_f"] == 1.0 and data["ratio"] == {}
    assert data["suite"] == "quick" and data["counts"]["performia"]["beat_f"] == 1
    assert data["songs"][0]["baseline"]["status"]["harmony"].startswith("error")
    console = Console(record=True, width=160)
    console.print(acc.accuracy_table(report))
    text = console.export_text()
    assert "not available" in text and "error" in text and "1.000" in text
    assert any(
        line.startswith("baseline rhythm: not available") for line in acc.status_lines(report)
    )


def test_speed_runs_each_analysis_in_a_fresh_process(monkeypatch):
    monkeypatch.setitem(
        ENTRY_POINTS, ("rhythm", "performia"), ("performia.analysis.levels", "measure_levels")
    )
    monkeypatch.setitem(ENTRY_POINTS, ("harmony", "performia"), ("performia.no_such", "f"))
    report = run_speed(bars=4, bpm=120, tasks=("rhythm", "harmony"))
    ok, missing = report.rows
    assert report.systems == ("performia/default",)
    assert ok.status == "ok" and ok.seconds >= 0 and ok.peak_rss_mb > 10
    assert ok.rtf == pytest.approx(ok.seconds / report.duration, abs=1e-3)
    assert ok.process_seconds > ok.seconds
    assert missing.status.startswith("not available") and missing.seconds is None
    assert report.combined()["complete"] is False
    assert json.loads(json.dumps(report.to_dict()))["rows"][0]["status"] == "ok"
    console = Console(record=True, width=160)
    console.print(speed_table(report))
    assert "not available" in console.export_text()
    assert sum(entry[2] for entry in speed_form(90)) == 90
    assert {entry[0] for entry in speed_form(90)} >= {"intro", "verse", "chorus", "bridge", "outro"}


def test_cli_lists_the_suite_and_rejects_unknown_analyses():
    runner = CliRunner()
    result = runner.invoke(bench_app, ["suite", "--quick"])
    assert result.exit_code == 0, result.output
    assert "pop_c_major" in result.output
    result = runner.invoke(bench_app, ["accuracy", "--only", "tempo"])
    assert result.exit_code == 2 and "unknown analyses" in result.output


@pytest.mark.slow
def test_accuracy_harness_runs_end_to_end_on_a_quick_song(tmp_path):
    """Whichever analyses exist run for real; the missing ones print "not available"."""
    out = tmp_path / "accuracy.json"
    result = CliRunner().invoke(
        bench_app, ["accuracy", "--songs", "pop_c_major", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert [s["name"] for s in data["songs"]] == ["pop_c_major"]
    for system in ("performia", "baseline"):
        statuses = data["songs"][0][system]["status"]
        for label, status in statuses.items():
            if label != "inputs":
                assert status == "ok" or status.startswith(("not available", "error")), status
        missing = [s for s in statuses.values() if s.startswith("not available")]
        if missing:
            assert "not available" in result.output
        for metric, value in data["songs"][0][system]["scores"].items():
            assert math.isfinite(value), metric
            if metric not in acc.LOWER_IS_BETTER:
                assert 0.0 <= value <= 1.0, metric


# ------------------------------------------------------------------------ synth: new features


@pytest.mark.parametrize("cents", [37.0, -23.0])
def test_tuning_cents_shifts_chords_and_melody(cents):
    _, truth, stems = render_song(
        bpm=60, bars=1, progression=("A",), melody=[(69, 4)], tuning_cents=cents
    )
    assert truth.tuning_cents == cents and truth.melody[0].pitch_midi == 69
    start = truth.beats[0] + 1.0
    for stem, nominal in (("chords", 220.0), ("melody", 440.0)):
        hz = _peak_hz(_segment(stems[stem], start, 2.0), nominal * 0.97, nominal * 1.03)
        assert 1200 * math.log2(hz / nominal) == pytest.approx(cents, abs=5), stem
    _, _, plain = render_song(bpm=60, bars=1, progression=("A",), melody=[(69, 4)])
    hz = _peak_hz(_segment(plain["chords"], start, 2.0), 220 * 0.97, 220 * 1.03)
    assert 1200 * math.log2(hz / 220.0) == pytest.approx(0.0, abs=2)


def _hat_onsets(drums: np.ndarray, beats, period: float) -> list[float]:
    """Where, as a fraction of the beat, the sharpest high-frequency onset after each beat is."""
    hp = np.diff(drums.astype(np.float64))
    frame = round(0.002 * SR)
    energy = np.sqrt(np.add.reduceat(hp**2, np.arange(0, len(hp), frame)))
    flux = np.maximum(0.0, np.diff(energy, prepend=0.0))
    positions = []
    for t in beats[:-1]:
        lo, hi = round((t + 0.3 * period) * SR / frame), round((t + 0.9 * period) * SR / frame)
        positions.append((lo + int(np.argmax(flux[lo:hi]))) * frame / SR - t)
    return [p / period for p in positions]


def test_swing_delays_the_offbeat_hats_not_the_beats():
    straight = render_song(bpm=100, bars=2, offbeat_hats=True)
    swung = render_song(bpm=100, bars=2, swing=1 / 3)  # off-beat hats follow from swing
    assert straight[1].beats == swung[1].beats and swung[1].swing == pytest.approx(1 / 3)
    period = 60 / 100
    for (_, truth, stems), expected in ((straight, 0.5), (swung, 2 / 3)):
        positions = _hat_onsets(stems["drums"], truth.beats, period)
        assert np.allclose(positions, expected, atol=0.02), positions
    # the pitched stems do not swing
    plain = render_song(bpm=100, bars=2)

    def norm(y):
        return y / np.abs(y).max()

    assert np.allclose(norm(plain[2]["chords"]), norm(swung[2]["chords"]), atol=1e-6)


def test_timbres_differ_and_still_carry_the_chord():
    bands = {}
    for timbre in TIMBRES:
        _, truth, stems = render_song(bpm=60, bars=1, progression=("C",), timbre=timbre)
        assert truth.timbre == timbre
        y = stems["chords"]
        start = truth.beats[0]
        decay = _rms(_segment(y, start + 0.7, 0.2)) / _rms(_segment(y, start + 0.05, 0.2))
        if timbre in ("pad", "organ"):
            assert decay > 0.9, timbre  # sustained
        else:
            assert decay < 0.7, timbre  # struck or plucked: dies away
        segment = _segment(y, start, 1.0)
        power = np.abs(np.fft.rfft(segment * np.hanning(len(segment)))) ** 2
        freqs = np.fft.rfftfreq(len(segment), 1 / SR)
        edges = 100 * 2 ** np.arange(0, 6.1, 1 / 3)
        energy = np.array(
            [power[(freqs >= a) & (freqs < b)].sum() for a, b in itertools.pairwise(edges)]
        )
        bands[timbre] = np.log10(energy / energy.sum() + 1e-12)
        keep = (freqs > 100) & (freqs < 2000)
        midi = np.round(69 + 12 * np.log2(freqs[keep] / 440)).astype(int)
        chroma = np.bincount(midi % 12, weights=power[keep], minlength=12)
        assert set(np.argsort(chroma)[::-1][:3]) == {0, 4, 7}, timbre
    for a, b in itertools.combinations(TIMBRES, 2):
        assert np.mean(np.abs(bands[a] - bands[b])) > 0.2, (a, b)
    with pytest.raises(ValueError, match="unknown timbre"):
        render_song(bars=1, timbre="harp")


FORM = [
    ("intro", ("C", "G"), 2),
    ("verse", ("C", "Am", "F", "G"), 4),
    ("chorus", ("F", "G", "C", "C"), 4),
    ("verse", ("C", "Am", "F", "G"), 4),
    ("chorus", ("G", "A", "D", "D"), 4, "D major"),
    ("outro", ("G", "D"), 2, "D major"),
]


def test_form_sections_tile_the_song_and_labels_repeat():
    _, truth, stems = render_song(bpm=120, form=FORM, key="C major")
    period = 60 / 120
    sections = truth.sections
    assert [s.kind for s in sections] == [entry[0] for entry in FORM]
    assert [s.label for s in sections] == ["A", "B", "C", "B", "C", "D"]
    assert [s.name for s in sections] == [
        "Intro", "Verse 1", "Chorus 1", "Verse 2", "Chorus 2", "Outro"
    ]  # fmt: skip
    assert sections[0].start == pytest.approx(truth.beats[0])
    assert sections[-1].end == pytest.approx(truth.beats[-1] + period)
    for a, b in itertools.pairwise(sections):
        assert a.end == pytest.approx(b.start)
    for section, entry in zip(sections, FORM, strict=True):
        assert section.end - section.start == pytest.approx(entry[2] * 4 * period)
        inside = [c.symbol for c in truth.chords if section.start - 1e-9 <= c.start < section.end]
        assert inside == [entry[1][i % len(entry[1])] for i in range(entry[2])]
        assert any(section.start == pytest.approx(d) for d in truth.downbeats)
    assert len(truth.beats) == 20 * 4
    # choruses are louder (drums) and brighter (chords an octave up) than verses
    verse, chorus = sections[1], sections[2]

    def centroid(y, s):
        seg = _segment(y, s.start + 0.25, 1.5)
        power = np.abs(np.fft.rfft(seg * np.hanning(len(seg)))) ** 2
        return float((power * np.fft.rfftfreq(len(seg), 1 / SR)).sum() / power.sum())

    def level(y, s):
        return _rms(_segment(y, s.start, s.end - s.start))

    assert level(stems["drums"], chorus) > 1.2 * level(stems["drums"], verse)
    assert level(stems["chords"], chorus) > 1.2 * level(stems["chords"], verse)
    assert centroid(stems["chords"], chorus) > 1.2 * centroid(stems["chords"], verse)
    assert level(stems["drums"], sections[0]) < level(stems["drums"], verse)  # a softer intro
    data = json.loads(json.dumps(truth.to_dict()))
    assert data["sections"][1] == {
        "kind": "verse",
        "label": "B",
        "start": sections[1].start,
        "end": sections[1].end,
        "name": "Verse 1",
    }


def test_key_segments_follow_the_form():
    _, truth, _ = render_song(bpm=120, form=FORM, key="C major")
    assert truth.key == "C major"
    assert [(k.key, k.start, k.end) for k in truth.key_segments] == [
        ("C major", truth.sections[0].start, truth.sections[4].start),
        ("D major", truth.sections[4].start, truth.sections[5].end),
    ]
    assert json.loads(json.dumps(truth.to_dict()))["key_segments"][1]["key"] == "D major"
    _, plain, _ = render_song(bars=2, key="A minor", progression=("Am",))
    assert plain.sections == ()
    assert [(k.key, k.start, k.end) for k in plain.key_segments] == [
        ("A minor", plain.beats[0], plain.beats[-1] + 60 / plain.tempo_bpm)
    ]


def test_six_eight_counts_eighths():
    _, truth, stems = render_song(bpm=180, meter=6, bars=2, progression=("Am",))
    assert truth.time_signature == (6, 8) and truth.beat_unit == 8 and truth.tempo_bpm == 180
    assert len(truth.beats) == 12 and truth.downbeats == truth.beats[::6]
    assert np.allclose(np.diff(truth.beats), 60 / 180)
    drums = stems["drums"]
    for i, t in enumerate(truth.beats[:6]):
        seg = _segment(drums, t, 0.1)
        spectrum = np.abs(np.fft.rfft(seg))
        freqs = np.fft.rfftfreq(len(seg), 1 / SR)
        low = spectrum[freqs < 160].sum() / spectrum.sum()
        if i == 0:
            assert low > 0.3  # the kick
        elif i == 3:
            assert _rms(seg) > 2 * _rms(_segment(drums, truth.beats[1], 0.1))  # the snare
    _, common, _ = render_song(bars=1)
    assert common.time_signature == (4, 4)


def test_render_song_validates_the_new_arguments():
    with pytest.raises(ValueError, match="either form or bars"):
        render_song(form=FORM, bars=4)
    with pytest.raises(ValueError, match="key must look like"):
        render_song(form=[("verse", ("C",), 2, "C Major")])
    with pytest.raises(ValueError, match="form entries"):
        render_song(form=[("verse", ("C",))])
    with pytest.raises(ValueError, match="unknown chord symbol"):
        render_song(form=[("verse", ("C", "Q"), 2)])
    with pytest.raises(ValueError, match="tuning_cents"):
        render_song(bars=1, tuning_cents=60)
    with pytest.raises(ValueError, match="swing"):
        render_song(bars=1, swing=0.5)
