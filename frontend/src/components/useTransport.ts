/**
 * The Living Chart's transport as named actions, shared by the toolbar, the keys and the page
 * turner: play (with a count-in), seek, jump a line or a section (on to the next song of a set),
 * loop the section, and the A–B loop over bars.
 */
import { useCallback, useRef, useState } from "react";
import { countIn, type BeatGrid } from "../lib/beats";
import { barAt, type GridBar } from "../lib/grid";
import { positionAt, sectionAt, type TimelineIndex } from "../lib/timeline";
import type { Player } from "../player/player";
import type { SongMap } from "../types/songmap";
import type { SetlistPlay } from "./SetlistBar";

/** A line jump (↑/↓, page-turner pedals) lands this long before the line, to read it coming. */
const LINE_LEAD_S = 0.3;

export interface Transport {
  togglePlay: () => void;
  seek: (t: number) => void;
  /** Seek forward (or back, negative) by seconds. */
  seekBy: (seconds: number) => void;
  jumpLine: (delta: number) => void;
  jumpSection: (delta: number) => void;
  /** Loop the section playing, or stop looping. */
  loopSection: () => void;
}

export interface TransportOptions {
  player: Player | null;
  song: SongMap;
  index: TimelineIndex;
  grid: BeatGrid | null;
  /** Count in one bar before playing from a pause. */
  withCountIn: boolean;
  setlist?: SetlistPlay;
}

export function useTransport({ player, song, index, grid, withCountIn, setlist }: TransportOptions): Transport {
  const togglePlay = useCallback(() => {
    if (!player) return;
    const t = player.currentTime;
    player.toggle(withCountIn && player.master.paused ? countIn(grid, t, player.getState().rate) : undefined);
  }, [player, withCountIn, grid]);

  const seek = useCallback((t: number) => player?.seek(t), [player]);
  const seekBy = useCallback((seconds: number) => player?.seek(player.currentTime + seconds), [player]);

  const jumpLine = useCallback(
    (delta: number) => {
      if (!player) return;
      // A line jump lands LINE_LEAD_S before the line, still inside the one before it: read the
      // position as of just after that lead-in, or a page-turner pedal would land on the same
      // line every press.
      const pos = positionAt(index, player.currentTime + LINE_LEAD_S + 0.05);
      const starts = Array.from(index.lineStarts).map((s, i) => ({ s, i })).filter(({ i }) => index.lineFirst[i]! >= 0);
      const cur = starts.findIndex(({ i }) => i === pos.line);
      const target = delta > 0 ? starts[cur + 1] : starts[Math.max(0, cur - (player.currentTime - (starts[cur]?.s ?? 0) > 1 ? 0 : 1))];
      if (target) player.seek(Math.max(0, target.s - LINE_LEAD_S));
    },
    [player, index],
  );

  const jumpSection = useCallback(
    (delta: number) => {
      if (!player) return;
      const s = sectionAt(index, player.currentTime + 0.05);
      const into = player.currentTime - (song.sections[s]?.startTime ?? 0);
      const target = delta > 0 ? s + 1 : into > 2 ? s : s - 1;
      // In a set, the pedal goes on to the next song past the last section, and back before the first.
      if (setlist && target >= song.sections.length && setlist.position + 1 < setlist.titles.length) return setlist.go(setlist.position + 1);
      if (setlist && target < 0 && setlist.position > 0) return setlist.go(setlist.position - 1);
      const section = song.sections[Math.max(0, Math.min(song.sections.length - 1, target))];
      if (section) player.seek(section.startTime);
    },
    [player, index, song.sections, setlist],
  );

  const loopSection = useCallback(() => {
    if (!player) return;
    if (player.getState().loop) return player.setLoop(null);
    const s = Math.max(0, sectionAt(index, player.currentTime));
    const section = song.sections[s];
    if (section) player.setLoop({ start: section.startTime, end: section.endTime });
  }, [player, index, song.sections]);

  return { togglePlay, seek, seekBy, jumpLine, jumpSection, loopSection };
}

export interface BarLoop {
  /** The bar marked as the loop's first (A), waiting for its last (B); null when none is. */
  abFrom: number | null;
  /** The A–B key and button: mark A, close the loop at B, or clear the loop. */
  abLoop: () => void;
  /** A bar of the chord grid pressed (`extend`: with Shift, loop from the bar pressed before). */
  onBar: (bar: GridBar, extend: boolean) => void;
}

/**
 * A–B loop over any bars: the first press marks the bar playing, the second closes the loop at
 * the end of the bar playing then (either order); with a loop on, a press clears it.
 */
export function useBarLoop(player: Player | null, bars: GridBar[], barStarts: Float64Array): BarLoop {
  const [abFrom, setAbFrom] = useState<number | null>(null);
  // The bar playing at t (the first bar before it starts).
  const barBounds = useCallback((t: number): GridBar | null => bars[Math.max(0, barAt(barStarts, t))] ?? null, [bars, barStarts]);
  const loopBars = useCallback(
    (a: GridBar, b: GridBar) => {
      if (!player) return;
      player.setLoop({ start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) });
      setAbFrom(null);
    },
    [player],
  );
  const abLoop = useCallback(() => {
    if (!player) return;
    if (player.getState().loop) {
      player.setLoop(null);
      return setAbFrom(null);
    }
    const here = barBounds(player.currentTime);
    if (!here) return;
    if (abFrom === null) return setAbFrom(here.index);
    loopBars(bars[abFrom]!, here);
  }, [player, barBounds, abFrom, bars, loopBars]);
  const lastBar = useRef<GridBar | null>(null);
  const onBar = useCallback(
    (bar: GridBar, extend: boolean) => {
      if (abFrom !== null) return loopBars(bars[abFrom]!, bar);
      if (extend && lastBar.current) return loopBars(lastBar.current, bar);
      lastBar.current = bar;
      player?.seek(bar.start);
    },
    [abFrom, bars, loopBars, player],
  );
  return { abFrom, abLoop, onBar };
}
