/**
 * Display settings a performer sets once and expects to find again (font size, spacing, stage
 * mode, count-in), and per-song ones (transposition, capo): kept in localStorage.
 */
import { useCallback, useEffect, useState } from "react";
import type { Instrument } from "../lib/chords";
import { mod12 } from "../lib/music";

export interface ChartSettings {
  fontSize: number;
  lineSpacing: number;
  stageMode: boolean;
  countIn: boolean;
  /** A click on every beat while playing, following the song's tempo. */
  metronome: boolean;
  /** Triads only: sevenths and extensions dropped, slash chords on their root. */
  simplifyChords: boolean;
  /** Chord diagrams shown for this instrument, or none. */
  diagrams: Instrument | null;
  /** Play the recording in the transposed key (tempo kept), for a singer rehearsing there. */
  pitchAudio: boolean;
  /** The lyrics chart, or the bar-by-bar chord grid. */
  view: "lyrics" | "grid";
  showCarryChords: boolean;
  /** Where the current line is held, as a fraction of the chart's height from the top. */
  readingPosition: number;
}

export const DEFAULT_SETTINGS: ChartSettings = {
  fontSize: 30,
  lineSpacing: 1.5,
  stageMode: false,
  countIn: false,
  metronome: false,
  simplifyChords: false,
  diagrams: null,
  view: "lyrics",
  pitchAudio: false,
  showCarryChords: true,
  readingPosition: 0.33,
};

/** One step of the chart's text size (A−/A+, the − and + keys), within 14–72 px. */
export const smallerText = (fontSize: number): number => Math.max(14, fontSize - 2);
export const largerText = (fontSize: number): number => Math.min(72, fontSize + 2);

export interface SongSettings {
  transpose: number;
  capo: number;
}

function read<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? { ...fallback, ...(JSON.parse(raw) as T) } : fallback;
  } catch {
    return fallback;
  }
}

function usePersistent<T extends object>(key: string, fallback: T): [T, (patch: Partial<T>) => void] {
  const [value, setValue] = useState<T>(() => read(key, fallback));
  useEffect(() => setValue(read(key, fallback)), [key]); // eslint-disable-line react-hooks/exhaustive-deps
  const update = useCallback(
    (patch: Partial<T>) =>
      setValue((old) => {
        const next = { ...old, ...patch };
        try {
          localStorage.setItem(key, JSON.stringify(next));
        } catch {
          /* private mode: settings last for this visit only */
        }
        return next;
      }),
    [key],
  );
  return [value, update];
}

export const useChartSettings = () => usePersistent("performia.chart", DEFAULT_SETTINGS);
export const useSongSettings = (songId: string) =>
  usePersistent<SongSettings>(`performia.song.${songId}`, { transpose: 0, capo: 0 });

/** The key and capo a song is played in: a set's own for it when playing from a setlist. */
export interface SongView {
  view: SongSettings;
  updateView: (patch: Partial<SongSettings>) => void;
}

/**
 * The song's key and capo, and a transposition by semitones (kept within −6…+5): from the set
 * when one is given (changing them changes the set), else the song's own, kept in localStorage.
 */
export function useSongView(songId: string, set?: SongView): SongView & { transpose: (semitones: number) => void } {
  const [own, updateOwn] = useSongSettings(songId);
  const view = set?.view ?? own;
  const updateView = set?.updateView ?? updateOwn;
  const transpose = useCallback(
    (d: number) => updateView({ transpose: mod12(view.transpose + d + 6) - 6 }),
    [view.transpose, updateView],
  );
  return { view, updateView, transpose };
}
