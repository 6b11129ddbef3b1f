import { describe, expect, it } from "vitest";
import { beatGrid } from "./beats";
import { chordGrid } from "./grid";
import { smallSong } from "./testing";
import type { SongMap } from "../types/songmap";

describe("chord grid", () => {
  // 120 BPM from 1 s (a pickup beat at 0.5 s), bars of 4 beats: downbeats 1, 3, 5, 7.
  const beats = Array.from({ length: 17 }, (_, i) => 0.5 + i * 0.5);
  const song: SongMap = {
    ...smallSong(),
    duration: 9,
    beats,
    downbeats: [1, 3, 5, 7],
    timeSignature: { numerator: 4, denominator: 4 },
    chords: [
      { startTime: 0, endTime: 3, symbol: "G", confidence: 0.9, alternative: null },
      { startTime: 3, endTime: 4, symbol: "C", confidence: 0.9, alternative: null },
      { startTime: 4, endTime: 5, symbol: "D7", confidence: 0.9, alternative: null },
      { startTime: 5, endTime: 7, symbol: "N.C.", confidence: 0.9, alternative: null },
      { startTime: 7, endTime: 9, symbol: "Em", confidence: 0.9, alternative: null },
    ],
    sections: [
      { name: "Intro", kind: "intro", startTime: 0, endTime: 5, lines: [] },
      { name: "Verse 1", kind: "verse", startTime: 5, endTime: 9, lines: [] },
    ],
  };

  it("lays out bars from the downbeats with each chord's beats, grouped by section", () => {
    const sections = chordGrid(song, beatGrid(song)!);
    expect(sections.map((s) => s.name)).toEqual(["Intro", "Verse 1"]);
    const [intro, verse] = sections;
    expect(intro!.bars.map((b) => [b.index, b.start, b.end, b.pickup])).toEqual([
      [0, 0.5, 1, true],
      [1, 1, 3, false],
      [2, 3, 5, false],
    ]);
    expect(intro!.bars.map((b) => b.number)).toEqual([0, 1, 2]);
    expect(verse!.bars.map((b) => b.number)).toEqual([3, 4]);
    expect(intro!.bars[0]!.cells).toEqual([{ symbol: "G", beats: 1 }]);
    expect(intro!.bars[1]!.cells).toEqual([{ symbol: "G", beats: 4 }]);
    expect(intro!.bars[2]!.cells).toEqual([{ symbol: "C", beats: 2 }, { symbol: "D7", beats: 2 }]);
    expect(verse!.bars[0]!.cells).toEqual([{ symbol: null, beats: 4 }]); // N.C.
    expect(verse!.bars[1]!.cells).toEqual([{ symbol: "Em", beats: 4 }]);
  });
});
