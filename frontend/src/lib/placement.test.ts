import { describe, expect, it } from "vitest";
import { allChordSymbols, assignChords, chordSegmentAt, chordsAtLineStarts, chordsInSpan, isUnsure, passageChordMarks, unsureNote } from "./placement";
import { buildTimeline } from "./timeline";
import { smallSong } from "./testing";

describe("assignChords", () => {
  const chords = [
    { startTime: 0, endTime: 2, symbol: "C" },
    { startTime: 2, endTime: 4, symbol: "G" },
    { startTime: 4, endTime: 5, symbol: "N" },
    { startTime: 6, endTime: 8, symbol: "C" },
  ];

  it("marks a chord only where it changes", () => {
    expect(assignChords([0, 0.5, 1.9, 2, 3, 4.2, 6.1, 7], chords)).toEqual(["C", null, null, "G", null, "N", "C", null]);
  });

  it("gives a syllable starting a microsecond early the chord that starts with it", () => {
    expect(assignChords([1.9999995], chords)).toEqual(["G"]);
  });

  it("marks nothing in a hole between chords, and does not repeat the same chord after it", () => {
    expect(assignChords([5.5, 6.5], [{ startTime: 0, endTime: 5, symbol: "C" }, { startTime: 6, endTime: 7, symbol: "C" }])).toEqual([null, "C"]);
    expect(assignChords([1, 5.5, 6.5], [{ startTime: 0, endTime: 5, symbol: "C" }, { startTime: 6, endTime: 7, symbol: "C" }])).toEqual(["C", null, null]);
  });
});

describe("chords over lines and passages", () => {
  const song = smallSong();
  const index = buildTimeline(song);

  it("carries the sounding chord into lines that start without a mark", () => {
    expect(chordsAtLineStarts(index)).toEqual([null, "G", "Am", "F"]);
  });

  it("lists an instrumental passage's progression without repeats or no-chords", () => {
    expect(chordsInSpan(song.chords!, 0, 10)).toEqual(["C", "G"]);
    expect(chordsInSpan(song.chords!, 15, 25)).toEqual(["Am", "G"]);
    expect(chordsInSpan([{ startTime: 0, endTime: 1, symbol: "C" }, { startTime: 1, endTime: 2, symbol: "N" }, { startTime: 2, endTime: 3, symbol: "C" }], 0, 3)).toEqual(["C"]);
    // A chord merely ending where the span starts does not count.
    expect(chordsInSpan(song.chords!, 5, 6)).toEqual(["G"]);
  });

  it("falls back to the syllable marks when the song has no chord segments", () => {
    const bare = { ...song, chords: [] };
    const symbols = (s: typeof song) => passageChordMarks(s, index, 15, 25).map((c) => c.symbol);
    expect(symbols(bare)).toEqual(["Am"]);
    expect(symbols(song)).toEqual(["Am", "G"]);
    expect(passageChordMarks(bare, index, 15, 25)[0]!.segment).toBeNull();
  });

  it("finds the segment sounding at a time and says which chords to check", () => {
    const chords = [
      { startTime: 0, endTime: 2, symbol: "C", confidence: 0.9 },
      { startTime: 2, endTime: 4, symbol: "Am", confidence: 0.35, alternative: "C" },
      { startTime: 4, endTime: 6, symbol: "Am", confidence: 0.8 },
      { startTime: 7, endTime: 8, symbol: "G" },
    ];
    expect(chordSegmentAt(chords, 2)?.symbol).toBe("Am");
    expect(chordSegmentAt(chords, 6.5)).toBeNull(); // a gap between segments
    expect(chordSegmentAt(chords, -1)).toBeNull();
    expect(isUnsure(chords[1])).toBe(true);
    expect(isUnsure(chords[0])).toBe(false);
    expect(isUnsure(chords[3])).toBe(false); // no confidence: nothing to say
    expect(unsureNote(chords[1]!, (s) => s)).toBe("Unsure chord (35 % confidence); could be C");
    // A repeated chord is judged by its least sure segment.
    const marks = passageChordMarks({ ...song, chords }, index, 0, 8);
    expect(marks.map((m) => [m.symbol, m.segment?.confidence])).toEqual([
      ["C", 0.9],
      ["Am", 0.35],
      ["G", undefined],
    ]);
  });

  it("collects every chord symbol for key guessing", () => {
    expect(new Set(allChordSymbols(song))).toEqual(new Set(["C", "G", "Am", "F"]));
  });
});
