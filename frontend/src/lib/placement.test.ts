import { describe, expect, it } from "vitest";
import { allChordSymbols, assignChords, chordsAtLineStarts, chordsInSpan, passageChords } from "./placement";
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
    expect(passageChords(bare, index, 15, 25)).toEqual(["Am"]);
    expect(passageChords(song, index, 15, 25)).toEqual(["Am", "G"]);
  });

  it("collects every chord symbol for key guessing", () => {
    expect(new Set(allChordSymbols(song))).toEqual(new Set(["C", "G", "Am", "F"]));
  });
});
