/**
 * The song as a bar-by-bar chord grid (what a band reads for a solo or a rehearsal): each bar
 * from the song's own downbeats, the chords sounding on its beats with how many beats each
 * lasts, grouped by section. Pure: the Living Chart renders it and highlights the bar playing.
 */
import type { BeatGrid } from "./beats";
import { lastAtOrBefore } from "./timeline";
import type { SongMap } from "../types/songmap";

export interface GridCell {
  /** The chord on these beats (null: no chord, or none known). */
  symbol: string | null;
  beats: number;
}

export interface GridBar {
  /** Position in the list of bars, from 0. */
  index: number;
  /** Bar number as counted from the first downbeat (1); a pickup before it is 0. */
  number: number;
  start: number;
  end: number;
  pickup: boolean;
  cells: GridCell[];
}

export interface GridSection {
  name: string;
  kind: string;
  bars: GridBar[];
}

const NO_CHORD = new Set(["N", "NC", "N.C.", "X"]);

/** Bars of the song, grouped under the section each bar starts in. */
export function chordGrid(song: SongMap, grid: BeatGrid): GridSection[] {
  const chords = [...(song.chords ?? [])].sort((a, b) => a.startTime - b.startTime);
  const chordStarts = chords.map((c) => c.startTime);
  const chordAt = (t: number): string | null => {
    const i = lastAtOrBefore(chordStarts, t + 0.02);
    const c = i >= 0 ? chords[i]! : null;
    if (!c || t >= c.endTime - 0.02) return null;
    const symbol = c.symbol.trim();
    return symbol && !NO_CHORD.has(symbol.toUpperCase()) ? symbol : null;
  };
  const end = song.duration;
  const starts = Array.from(grid.downbeats).filter((d) => d < end - 0.05);
  const firstBeat = grid.beats[0] ?? 0;
  const bars: GridBar[] = [];
  if (starts.length && starts[0]! - firstBeat > 0.05) bars.push(makeBar(0, firstBeat, starts[0]!, true));
  starts.forEach((start, i) => bars.push(makeBar(bars.length, start, starts[i + 1] ?? Math.min(end, start + barLength(grid, i)), false)));

  function makeBar(index: number, start: number, stop: number, pickup: boolean): GridBar {
    const from = lastAtOrBefore(grid.beats, start - 0.02) + 1;
    const cells: GridCell[] = [];
    for (let b = from; b < grid.beats.length && grid.beats[b]! < stop - 0.02; b++) {
      const symbol = chordAt(grid.beats[b]!);
      const last = cells[cells.length - 1];
      if (last && last.symbol === symbol) last.beats++;
      else cells.push({ symbol, beats: 1 });
    }
    if (!cells.length) cells.push({ symbol: chordAt(start), beats: grid.beatsPerBar });
    return { index, number: pickup ? 0 : index + (bars[0]?.pickup ? 0 : 1), start, end: stop, pickup, cells };
  }

  const sections = [...song.sections].sort((a, b) => a.startTime - b.startTime);
  const sectionStarts = sections.map((x) => x.startTime);
  const out: (GridSection & { at: number })[] = [];
  for (const bar of bars) {
    const at = lastAtOrBefore(sectionStarts, bar.start + 0.1);
    const section = sections[Math.max(0, at)];
    const current = out[out.length - 1];
    if (current && current.at === at) current.bars.push(bar);
    else out.push({ at, name: section?.name ?? "", kind: section?.kind ?? "section", bars: [bar] });
  }
  return out.map(({ name, kind, bars }) => ({ name, kind, bars }));
}

/** A bar's length past the last downbeat: beatsPerBar beats at the local period. */
function barLength(grid: BeatGrid, i: number): number {
  const d = grid.downbeats;
  if (i > 0) return d[i]! - d[i - 1]!;
  return grid.beatsPerBar * 0.5;
}

/** The bar playing at `t` (index into the flat list of bars), or -1 before the first. */
export function barAt(barStarts: ArrayLike<number>, t: number): number {
  return lastAtOrBefore(barStarts, t + 1e-6);
}
