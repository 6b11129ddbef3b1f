/**
 * Chords as a player needs them: simplified (sevenths and extensions to triads, slash chords to
 * their root, for a beginner or a quick read) and as fingerings for guitar, ukulele and piano.
 *
 * Fingerings come from chords-db (@tombatossals/chords-db, MIT: hand-checked positions for
 * guitar and ukulele, with the MIDI notes each sounds); the piano voicing is the first guitar
 * position's pitch classes stacked from the root. The database is loaded only when diagrams
 * are first shown.
 */
import { chordToString, parseChord, triadQuality } from "./music";

export { simplifyChord, triadQuality } from "./music";

/** chords-db's name for each quality we read (the rest fall back to their triad). */
const SUFFIXES: Record<string, string> = {
  "": "major", maj: "major", M: "major", m: "minor", min: "minor", "-": "minor",
  "7": "7", dom7: "7", maj7: "maj7", M7: "maj7", "Δ": "maj7", "Δ7": "maj7", m7: "m7", min7: "m7", "-7": "m7",
  dim: "dim", "°": "dim", o: "dim", dim7: "dim7", "°7": "dim7", o7: "dim7", m7b5: "m7b5", "ø": "m7b5", "ø7": "m7b5", hdim7: "m7b5",
  aug: "aug", "+": "aug", aug7: "aug7", "+7": "aug7", "7#5": "aug7",
  sus2: "sus2", sus4: "sus4", sus: "sus4", "7sus4": "7sus4", "7sus": "7sus4",
  "6": "6", m6: "m6", "69": "69", "6/9": "69", m69: "m69", "9": "9", m9: "m9", maj9: "maj9", add9: "add9", madd9: "madd9", "add2": "add9",
  "11": "11", m11: "m11", maj11: "maj11", "13": "13", maj13: "maj13", "7b9": "7b9", "7#9": "7#9", "7b5": "7b5", "9#11": "9#11",
  mmaj7: "mmaj7", "m(maj7)": "mmaj7", mM7: "mmaj7", minmaj7: "mmaj7", mmaj9: "mmaj9",
};
const TRIAD_INTERVALS: Record<string, number[]> = { "": [0, 4, 7], m: [0, 3, 7], dim: [0, 3, 6], aug: [0, 4, 8], sus2: [0, 2, 7], sus4: [0, 5, 7] };
const TRIAD_SUFFIX: Record<string, string> = { "": "major", m: "minor", dim: "dim", aug: "aug", sus2: "sus2", sus4: "sus4" };
/** chords-db keys: the common chart name of each pitch class (its object keys spell ♯ "sharp"). */
const DB_KEYS = ["C", "Csharp", "D", "Eb", "E", "F", "Fsharp", "G", "Ab", "A", "Bb", "B"];

export type Instrument = "guitar" | "ukulele" | "piano";

export interface Position {
  frets: number[];
  fingers: number[];
  baseFret: number;
  barres: number[];
  midi?: number[];
}

interface ChordsDb {
  main: { strings: number; fretsOnChord: number };
  chords: Record<string, { key: string; suffix: string; positions: Position[] }[]>;
}

export interface Fingering {
  /** The chord as asked for ("D/F#"). */
  symbol: string;
  /** What the diagram shows when that differs: "D" for "D/F#", "G" for an unknown "G7#11". */
  shown: string;
  /** Bass note to add (slash chords), played by the left hand or the bass. */
  bass: string | null;
  position: Position | null;
  /** Pitch classes of the chord, root first (the piano diagram). */
  pitchClasses: number[];
}

const dbCache = new Map<"guitar" | "ukulele", Promise<ChordsDb>>();

/** The fingering database for a fretted instrument (loaded once, on first use). */
export function loadChordsDb(instrument: "guitar" | "ukulele"): Promise<ChordsDb> {
  let db = dbCache.get(instrument);
  if (!db) {
    db = (instrument === "guitar" ? import("@tombatossals/chords-db/lib/guitar.json") : import("@tombatossals/chords-db/lib/ukulele.json")).then(
      (m) => (m as { default: ChordsDb }).default,
    );
    dbCache.set(instrument, db);
  }
  return db;
}

/** How to play `symbol` from the database: its own shape, else its triad's; null for a no-chord. */
export function fingering(symbol: string, db: ChordsDb): Fingering | null {
  const chord = parseChord(symbol);
  if (!chord) return null;
  const entries = db.chords[DB_KEYS[chord.root.pc]!] ?? [];
  const exact = SUFFIXES[chord.quality.replace(/\s/g, "")];
  const triad = TRIAD_SUFFIX[triadQuality(chord.quality)]!;
  const hit = (exact && entries.find((e) => e.suffix === exact)) || entries.find((e) => e.suffix === triad);
  const shownQuality = hit && hit.suffix === exact ? chord.quality : triadQuality(chord.quality);
  const position = hit?.positions[0] ?? null;
  const root = chord.root.pc;
  const intervals = position?.midi?.length ? position.midi.map((n) => (n - root + 120) % 12) : TRIAD_INTERVALS[triadQuality(chord.quality)]!;
  const pcs = [...new Set(intervals)].sort((a, b) => a - b).map((i) => (root + i) % 12);
  return {
    symbol,
    shown: chordToString({ root: chord.root, quality: shownQuality, bass: null }),
    bass: chord.bass ? chordToString({ root: chord.bass, quality: "", bass: null }) : null,
    position,
    pitchClasses: pcs,
  };
}
