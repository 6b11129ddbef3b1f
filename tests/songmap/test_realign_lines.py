"""Re-align from here: the lines after a fixed line aligned again, anchored on it."""

from __future__ import annotations

import pytest

from performia.analysis.calibration import FORCED_WORD_CONFIDENCE
from performia.errors import BadInputError
from performia.songmap.model import Line, Provenance, Section, SongMap, Syllable
from performia.songmap.realign import line_words, realign_after


def _line(*syllables: tuple[str, float, float, bool]) -> Line:
    syls = [Syllable(text=t, start_time=s, duration=d, ends_word=e) for t, s, d, e in syllables]
    return Line(
        start_time=syls[0].start_time,
        end_time=syls[-1].start_time + syls[-1].duration,
        text=" ".join(t for t, *_ in syllables),
        syllables=syls,
    )


def _song() -> SongMap:
    """Three lines; the second and third were timed 5 s too late (sung at 4-6 s and 8-10 s)."""
    return SongMap(
        id="0123456789abcdef",
        title="Fixture",
        artist="Tests",
        duration=30.0,
        provenance=Provenance(created_at="2026-12-06T12:00:00Z", performia_version="0.1.0"),
        sections=[
            Section(
                name="Verse",
                start_time=0.0,
                end_time=20.0,
                lines=[
                    _line(
                        ("Morn", 0.5, 0.3, False),
                        ("ing", 0.8, 0.3, True),
                        ("light", 1.2, 0.6, True),
                    ),
                    _line(
                        ("on", 9.0, 0.3, True),
                        ("the", 9.4, 0.2, True),
                        ("ri", 9.7, 0.3, False),
                        ("ver", 10.0, 0.4, True),
                    ),
                ],
            ),
            Section(
                name="Chorus",
                start_time=20.0,
                end_time=30.0,
                lines=[_line(("hold", 13.0, 0.5, True), ("on", 13.6, 0.6, True))],
            ),
        ],
    )


# Where the aligner hears each word: (start, end) in song time.
HEARD = {"on": [(4.0, 4.3), (8.6, 9.2)], "the": [(4.4, 4.6)], "river": [(4.7, 5.4)],
         "hold": [(8.0, 8.5)]}  # fmt: skip


def _aligner(calls: list):
    def window(t0, t1, words):
        calls.append((t0, t1, list(words)))
        seen: dict[str, int] = {}
        out = []
        for w in words:
            n = seen.get(w, 0)
            seen[w] = n + 1
            start, end = HEARD[w][n]
            out.append((start - t0, end - t0, 0.9))
        return out

    return window


def test_line_words_groups_syllables_up_to_the_word_end():
    line = _song().sections[0].lines[1]
    assert line_words(line) == [[0], [1], [2, 3]]


def test_lines_after_the_fixed_one_move_to_the_voice_and_the_rest_stay():
    song = _song()
    calls: list = []
    timings, windows = realign_after(
        song, 0, 0, activity=[(0.5, 1.8), (4.0, 5.4), (8.0, 9.2)], align_window=_aligner(calls)
    )
    assert windows == 1
    # one window, opened just before the voice after the fixed line, given the later words
    (t0, _, words), = calls  # fmt: skip
    assert words == ["on", "the", "river", "hold", "on"]
    assert t0 >= 1.8  # never before the end of the fixed line (nor in its voice)
    assert [(t.section, t.line) for t in timings] == [(0, 1), (1, 0)]
    second, third = timings
    assert [s for s, _, _ in second.syllables][:2] == [4.0, 4.4]
    # "river" 4.7-5.4 shared by its syllables in proportion, contiguous
    ri, ver = second.syllables[2][:2], second.syllables[3][:2]
    assert ri[0] == 4.7 and ri[0] + ri[1] == pytest.approx(ver[0]) and ver[0] + ver[1] == 5.4
    assert [s[:2] for s in third.syllables] == [(8.0, 0.5), (8.6, 0.6)]
    # forced alignment alone placed them: the base rate of such words
    assert {c for *_, c in second.syllables + third.syllables} == {FORCED_WORD_CONFIDENCE}
    assert third.to_dict()["syllables"][0] == {
        "startTime": 8.0,
        "duration": 0.5,
        "confidence": FORCED_WORD_CONFIDENCE,
    }


def test_realign_from_the_last_line_changes_nothing_and_a_bad_address_is_refused():
    song = _song()
    assert realign_after(song, 1, 0, activity=[], align_window=_aligner([])) == ([], 0)
    for section, line in ((0, 5), (3, 0), (-1, 0), (0, -1)):
        with pytest.raises(BadInputError, match="there is no line"):
            realign_after(song, section, line, activity=[], align_window=_aligner([]))


def test_the_fixed_lines_voice_tail_is_skipped_but_singing_that_runs_on_is_not():
    song = _song()
    calls: list = []
    # the fixed line ends at 1.8; its voice decays until 2.1: the walk opens after that
    realign_after(song, 0, 0, activity=[(0.5, 2.1), (4.0, 5.4), (8.0, 9.2)],
                  align_window=_aligner(calls))  # fmt: skip
    assert calls[0][0] >= 2.1
    calls.clear()
    # sung on without a pause (rap): the next line may start right after the fixed one
    realign_after(song, 0, 0, activity=[(0.5, 5.4), (8.0, 9.2)], align_window=_aligner(calls))
    assert calls[0][0] == pytest.approx(1.8)
