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

  it("counts in on the song's own beats, so the music enters in phase", () => {
    // Resuming at 9.27 s (beats at 9.0 and 9.5): clicks on 7.5, 8, 8.5, 9; music from 9.27.
    const plan = countIn(grid, 9.27, 1);
    expect(plan.from).toBe(9.27);
    expect(plan.clicks).toEqual([0, 0.5, 1, 1.5]);
    expect(plan.startIn).toBeCloseTo(9.27 - 7.5, 9);
    // The beat after the start (9.5 s) comes exactly one beat after the last click.
    expect(plan.startIn + (9.5 - plan.from) - plan.clicks[3]!).toBeCloseTo(0.5, 9);
    // Bars start at 1, 3, 5, 7, 9 s: 7.5 is beat 2, and 9 is the downbeat (accented).
    expect(plan.labels).toEqual([2, 3, 4, 1]);
    expect(plan.accent).toEqual([false, false, false, true]);
  });

  it("snaps a start just after a beat back onto it", () => {
    const plan = countIn(grid, 9.05, 1);
    expect(plan.from).toBe(9);
    expect(plan.labels).toEqual([1, 2, 3, 4]);
    expect(plan.startIn).toBeCloseTo(2, 9);
  });

  it("counts in before the first beat and past the last at the local tempo", () => {
    const early = countIn(grid, 0.2, 1); // first beat at 1 s: virtual beats at -1.5 … 0
    expect(early.from).toBe(0.2);
    expect(early.startIn).toBeCloseTo(1.7, 9);
    expect(early.labels).toEqual([4, 1, 2, 3]); // bars before the first: -1, 1 s
    const late = countIn(grid, 30.3, 1); // last beat at 20.5 s
    expect(late.startIn - late.clicks[3]!).toBeCloseTo(0.3, 9);
  });

  it("scales the count-in by the playback rate", () => {
    const plan = countIn(grid, 9.27, 0.5);
    expect(plan.clicks[1]).toBeCloseTo(1, 9);
    expect(plan.startIn).toBeCloseTo((9.27 - 7.5) * 2, 9);
    const free = countIn(null, 3);
    expect(free.clicks).toHaveLength(4);
    expect(free.from).toBe(3);
  });
});
