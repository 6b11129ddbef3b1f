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

/** A count-in: clicks on the song's own beats before the music, which then enters in phase. */
export interface CountInPlan {
  /** Click times, seconds of wall clock from now (the first is 0). */
  clicks: number[];
  /** True where the click falls on a downbeat (the "1" of a bar): played higher. */
  accent: boolean[];
  /** The beat in its bar each click stands for, shown on screen ("3 4 1 2" for a mid-bar start). */
  labels: number[];
  /** Song time playback starts from: the requested time, or the beat just before it. */
  from: number;
  /** Wall-clock seconds from now when playback starts at `from`. */
  startIn: number;
}

/**
 * Starting closer than this fraction of a beat after a beat snaps back to that beat, so the
 * music does not enter a hair after the last click.
 */
const SNAP_FRACTION = 0.25;

/**
 * A one-bar count-in before playing from `t`, locked to the song's beat grid: the clicks are the
 * song's own beats before `t` (extended past either end at the local tempo), so the beat after
 * `t` lands exactly one beat after the last click. A fixed click train started "now" would put
 * the music anywhere in the beat (resuming at 9.27 s with beats at 9.0 and 9.5 entered a quarter
 * of a second off). Without a grid: four clicks at 100 BPM and playback one beat later.
 */
export function countIn(grid: BeatGrid | null, t: number, rate = 1): CountInPlan {
  const speed = Math.max(0.1, rate);
  const n = grid?.beatsPerBar ?? 4;
  if (!grid) {
    const clicks = Array.from({ length: n }, (_, i) => (i * 0.6) / speed);
    return { clicks, accent: clicks.map((_, i) => i === 0), labels: clicks.map((_, i) => i + 1), from: t, startIn: (n * 0.6) / speed };
  }
  const period = beatPeriod(grid, t);
  const beats = grid.beats;
  const last = beats.length - 1;
  // The song time of beat index j, extended at the local period beyond the detected beats.
  const beatTime = (j: number) => (j < 0 ? beats[0]! + j * period : j > last ? beats[last]! + (j - last) * period : beats[j]!);
  let b = lastAtOrBefore(beats, t);
  if (b < 0) b = Math.floor((t - beats[0]!) / period);
  else if (b === last) b = last + Math.floor((t - beats[last]!) / period);
  let from = t;
  if (t - beatTime(b) < SNAP_FRACTION * period) {
    from = beatTime(b);
    b -= 1;
  }
  const indices = Array.from({ length: n }, (_, i) => b - n + 1 + i);
  const times = indices.map(beatTime);
  const labels = times.map((c) => beatLabel(grid, c, period));
  return {
    clicks: times.map((c) => (c - times[0]!) / speed),
    accent: labels.map((l) => l === 1),
    labels,
    from,
    startIn: (from - times[0]!) / speed,
  };
}

/** Which beat of its bar the beat at song time `time` is; past either end, counted at `period`. */
function beatLabel(grid: BeatGrid, time: number, period: number): number {
  const db = grid.downbeats;
  const d = lastAtOrBefore(db, time + 1e-6);
  const insideGrid = time >= grid.beats[0]! - 1e-6 && time <= grid.beats[grid.beats.length - 1]! + 1e-6;
  if (d >= 0 && insideGrid) return beatAt(grid, time + 1e-6)!.beat;
  const anchor = d >= 0 ? db[d]! : db[0] ?? grid.beats[0]!;
  const steps = Math.round((time - anchor) / period);
  return (((steps % grid.beatsPerBar) + grid.beatsPerBar) % grid.beatsPerBar) + 1;
}

/** For each beat of the grid, whether it is a downbeat (the metronome accents those). */
export function downbeatFlags(grid: BeatGrid): boolean[] {
  const flags: boolean[] = [];
  let d = 0;
  for (const beat of grid.beats) {
    while (d < grid.downbeats.length && grid.downbeats[d]! < beat - 0.02) d++;
    flags.push(d < grid.downbeats.length && Math.abs(grid.downbeats[d]! - beat) <= 0.02);
  }
  return flags;
}

/** How long [start, end) lasts in the song's beats, as a player counts it: "2 bars", "3 beats". */
export function durationLabel(grid: BeatGrid, start: number, end: number): string {
  const period = beatPeriod(grid, start);
  const beats = Math.round((end - start) / period);
  if (beats <= 0) return "";
  if (beats % grid.beatsPerBar === 0) {
    const bars = beats / grid.beatsPerBar;
    return bars === 1 ? "1 bar" : `${bars} bars`;
  }
  return beats === 1 ? "1 beat" : `${beats} beats`;
}
