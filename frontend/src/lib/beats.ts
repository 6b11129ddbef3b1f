/**
 * Bar and beat at a time, and the count-in before playing.
 *
 * The rhythm stage writes every beat and downbeat it found, so a song that speeds up or has a
 * bar of 2/4 is still counted right; when it did not run, a grid from the global tempo and the
 * time signature is used instead and marked approximate.
 */
import type { SongMap } from "../types/songmap";
import { lastAtOrBefore } from "./timeline";

export interface BeatPosition {
  /** Bar number, from 1. */
  bar: number;
  /** Beat within the bar, from 1. */
  beat: number;
  beatsPerBar: number;
  /** Fraction of the current beat elapsed, 0…1 (drives a pulsing indicator). */
  phase: number;
  /** True when derived from the tempo alone, not from detected beats. */
  approximate: boolean;
}

export interface BeatGrid {
  beats: Float64Array;
  downbeats: Float64Array;
  beatsPerBar: number;
  approximate: boolean;
}

/** The beat grid of a song, or null when it has neither beats nor a tempo. */
export function beatGrid(song: SongMap): BeatGrid | null {
  const beatsPerBar = song.timeSignature?.numerator ?? 4;
  if (song.beats && song.beats.length >= 2) {
    const downbeats = song.downbeats?.length ? song.downbeats : song.beats.filter((_, i) => i % beatsPerBar === 0);
    return { beats: Float64Array.from(song.beats), downbeats: Float64Array.from(downbeats), beatsPerBar, approximate: false };
  }
  if (song.tempo && song.tempo > 0) {
    const period = 60 / song.tempo;
    const count = Math.floor(song.duration / period) + 1;
    const beats = Float64Array.from({ length: count }, (_, i) => i * period);
    const downbeats = beats.filter((_, i) => i % beatsPerBar === 0);
    return { beats, downbeats, beatsPerBar, approximate: true };
  }
  return null;
}

export function beatAt(grid: BeatGrid, t: number): BeatPosition | null {
  const b = lastAtOrBefore(grid.beats, t);
  if (b < 0) return null;
  const bar = lastAtOrBefore(grid.downbeats, t);
  const barStart = bar >= 0 ? grid.downbeats[bar]! : grid.beats[0]!;
  const firstBeatOfBar = lastAtOrBefore(grid.beats, barStart + 1e-6);
  const beat = bar >= 0 ? b - Math.max(0, firstBeatOfBar) + 1 : b + 1;
  const next = b + 1 < grid.beats.length ? grid.beats[b + 1]! : grid.beats[b]! + beatPeriod(grid, t);
  const phase = next > grid.beats[b]! ? Math.min(1, (t - grid.beats[b]!) / (next - grid.beats[b]!)) : 0;
  return { bar: Math.max(1, bar + 1), beat, beatsPerBar: grid.beatsPerBar, phase, approximate: grid.approximate };
}

/** The local beat period at `t`: the median of the eight beat intervals around it. */
export function beatPeriod(grid: BeatGrid, t: number): number {
  const n = grid.beats.length;
  if (n < 2) return 0.5;
  const b = Math.max(0, lastAtOrBefore(grid.beats, t));
  const from = Math.max(1, Math.min(b - 3, n - 8));
  const to = Math.min(n - 1, from + 7);
  const intervals: number[] = [];
  for (let i = Math.max(1, from); i <= to; i++) intervals.push(grid.beats[i]! - grid.beats[i - 1]!);
  intervals.sort((a, c) => a - c);
  return intervals[intervals.length >> 1] ?? 0.5;
}

/**
 * Offsets (seconds from now) of the count-in clicks before playing from `t`: one bar at the
 * local tempo, accented on the first. Without a grid, four clicks at 100 BPM.
 */
export function countIn(grid: BeatGrid | null, t: number, rate = 1): { offsets: number[]; accent: boolean[] } {
  const beats = grid?.beatsPerBar ?? 4;
  const period = (grid ? beatPeriod(grid, t) : 0.6) / Math.max(0.1, rate);
  const offsets = Array.from({ length: beats }, (_, i) => i * period);
  return { offsets, accent: offsets.map((_, i) => i === 0) };
}
