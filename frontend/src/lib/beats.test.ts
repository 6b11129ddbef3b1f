import { describe, expect, it } from "vitest";
import { beatAt, beatGrid, beatPeriod, countIn } from "./beats";
import { smallSong } from "./testing";

describe("beats", () => {
  const beats = Array.from({ length: 40 }, (_, i) => 1 + i * 0.5); // 120 BPM from 1 s
  const downbeats = beats.filter((_, i) => i % 4 === 0);
  const grid = beatGrid({ ...smallSong(), beats, downbeats, timeSignature: { numerator: 4, denominator: 4 } })!;

  it("counts bars and beats from detected beats", () => {
    expect(beatAt(grid, 0.5)).toBeNull();
    expect(beatAt(grid, 1)).toMatchObject({ bar: 1, beat: 1, approximate: false });
    expect(beatAt(grid, 2.6)).toMatchObject({ bar: 1, beat: 4 });
    expect(beatAt(grid, 3.0)).toMatchObject({ bar: 2, beat: 1 });
    expect(beatAt(grid, 3.25)!.phase).toBeCloseTo(0.5, 6);
  });

  it("measures the local beat period", () => {
    expect(beatPeriod(grid, 5)).toBeCloseTo(0.5, 9);
  });

  it("falls back to a tempo grid marked approximate", () => {
    const g = beatGrid({ ...smallSong(), beats: [], tempo: 100 })!;
    expect(g.approximate).toBe(true);
    expect(beatAt(g, 2.5)).toMatchObject({ bar: 2, beat: 1, approximate: true }); // beat 5 at 2.4 s
    expect(beatGrid({ ...smallSong(), beats: [], tempo: null })).toBeNull();
  });

  it("counts in one bar at the local tempo, scaled by the playback rate", () => {
    expect(countIn(grid, 5, 1)).toEqual({ offsets: [0, 0.5, 1, 1.5], accent: [true, false, false, false] });
    expect(countIn(grid, 5, 0.5).offsets[1]).toBeCloseTo(1, 9);
    expect(countIn(null, 0).offsets).toHaveLength(4);
  });
});
