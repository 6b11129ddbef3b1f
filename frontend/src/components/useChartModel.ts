/**
 * What the Living Chart derives from the Song Map and the view — the timeline index, instrumental
 * gaps, beat grid, chord speller, the chord grid's bars — each recomputed only when what it reads
 * changes, so a transposition or a settings change never rebuilds the song's index.
 */
import { useMemo } from "react";
import { beatGrid, type BeatGrid } from "../lib/beats";
import { chordGrid, type GridBar, type GridSection } from "../lib/grid";
import { makeSpeller, parseChord, type ChordSpeller } from "../lib/music";
import { allChordSymbols, chordsAtLineStarts } from "../lib/placement";
import { buildTimeline, findGaps, type Gap, type TimelineIndex } from "../lib/timeline";
import type { SongMap } from "../types/songmap";
import type { ChartSettings, SongSettings } from "./settings";

export interface ChartModel {
  index: TimelineIndex;
  gaps: Gap[];
  /** Beats and bars, when the Song Map has beats or a tempo. */
  grid: BeatGrid | null;
  /** The chord sounding at each line's start (shown where a line starts mid-chord). */
  carry: (string | null)[];
  speller: ChordSpeller;
  /** Each chord once, as the chart shows it, in order of first use (what the diagrams draw). */
  shownChords: string[];
  sectionNames: string[];
  gridSections: GridSection[];
  bars: GridBar[];
  barStarts: Float64Array;
  /** The chord grid is shown (asked for, and the song has bars). */
  gridView: boolean;
}

export function useChartModel(song: SongMap, songSettings: SongSettings, settings: ChartSettings): ChartModel {
  const index = useMemo(() => buildTimeline(song), [song]);
  const gaps = useMemo(() => findGaps(index, song.duration), [index, song.duration]);
  const grid = useMemo(() => beatGrid(song), [song]);
  const carry = useMemo(() => chordsAtLineStarts(index), [index]);
  const chordSymbols = useMemo(() => allChordSymbols(song), [song]);
  const speller = useMemo(
    () => makeSpeller(song.key, chordSymbols, { transpose: songSettings.transpose, capo: songSettings.capo, simplify: settings.simplifyChords }),
    [song.key, chordSymbols, songSettings.transpose, songSettings.capo, settings.simplifyChords],
  );
  const shownChords = useMemo(() => {
    const firstUse = [...(song.chords ?? [])].sort((a, b) => a.startTime - b.startTime).map((c) => c.symbol);
    return [...new Set([...firstUse, ...chordSymbols].map(speller.spell))].filter((c) => c !== "N.C." && parseChord(c));
  }, [song.chords, chordSymbols, speller]);
  const sectionNames = useMemo(() => song.sections.map((s) => s.name), [song.sections]);
  const gridSections = useMemo(() => (grid ? chordGrid(song, grid) : []), [song, grid]);
  const bars = useMemo(() => gridSections.flatMap((s) => s.bars), [gridSections]);
  const barStarts = useMemo(() => Float64Array.from(bars.map((b) => b.start)), [bars]);
  const gridView = settings.view === "grid" && bars.length > 0;
  return { index, gaps, grid, carry, speller, shownChords, sectionNames, gridSections, bars, barStarts, gridView };
}
