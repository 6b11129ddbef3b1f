/**
 * Note names, keys and chord symbols: parsing, transposition and spelling for a key.
 *
 * Musicians read chords spelt for the key they play in: Bb in F major, A# in F# major, Eb (the
 * borrowed flat-three) in C major. The spelling rule is the same scale-degree arithmetic the
 * analysis uses (common/performia/analysis/chordnames.py), so a chart transposed here reads the
 * way the pipeline would have written it in that key: the letter comes from the scale degree of
 * the note above the tonic (each letter once per diatonic scale), the accidental from the pitch.
 *
 * Only a chord's root and bass are transposed; its quality ("m7", "sus4", "dim", "7b9", "6/9" …)
 * is kept exactly as written, so nothing the engine or an editor wrote is lost.
 */

export type Mode = "major" | "minor";

/** A note name: letter index (C = 0 … B = 6) and pitch class (C = 0 … B = 11). */
export interface NoteName {
  letter: number;
  pc: number;
}

export interface Key {
  tonic: NoteName;
  mode: Mode;
}

export interface ParsedChord {
  root: NoteName;
  /** Everything between the root and the bass, verbatim ("m7", "sus4", "", "7b9"). */
  quality: string;
  bass: NoteName | null;
}

const LETTERS = "CDEFGAB";
const NATURAL_PC = [0, 2, 4, 5, 7, 9, 11];
const ACCIDENTALS: Record<string, number> = {
  "": 0, "#": 1, b: -1, "##": 2, bb: -2, "♯": 1, "♭": -1, x: 2,
};
const NOTE_RE = /^([A-Ga-g])(##|bb|#|b|♯|♭)?/;
/** Conventional key names: fewest accidentals, F# rather than Gb major as most charts do. */
const MAJOR_TONICS = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];
const MINOR_TONICS = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"];
/** Scale degree (1–7) of each semitone above the tonic; chromatic degrees read as the borrowed
 * or secondary chords they usually are (b2 Neapolitan, b3, #4 = V/V's third, b6, b7). */
const DEGREE_OF_INTERVAL = [1, 2, 2, 3, 3, 4, 4, 5, 6, 6, 7, 7];
const MAJOR_SCALE = [0, 2, 4, 5, 7, 9, 11];
const MINOR_SCALE = [0, 2, 3, 5, 7, 8, 10];
/** Sharps (+) or flats (−) of the major key on each natural letter (C D E F G A B). */
const NATURAL_MAJOR_SIGNATURE = [0, 2, 4, -1, 1, 3, 5];
const SHARP_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
const DEFAULT_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];
const FLAT_NAMES = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"];
/** Symbols meaning "no chord" (silence, unpitched passages). */
export const NO_CHORD_SYMBOLS = new Set(["N", "NC", "N.C.", "X"]);
/** Harte shorthand (analysis and mir_eval labels, "F#:min7") → display suffix. */
const HARTE: Record<string, string> = {
  maj: "", min: "m", "7": "7", maj7: "maj7", min7: "m7", sus2: "sus2", sus4: "sus4",
  dim: "dim", aug: "aug", dim7: "dim7", hdim7: "m7b5", min6: "m6", maj6: "6", "9": "9",
};

export const mod12 = (n: number): number => ((n % 12) + 12) % 12;

/** Read a note name at the start of `text`; null when there is none. */
export function readNote(text: string): { note: NoteName; rest: string } | null {
  const m = NOTE_RE.exec(text);
  if (!m) return null;
  const letter = LETTERS.indexOf(m[1]!.toUpperCase());
  const acc = ACCIDENTALS[m[2] ?? ""] ?? 0;
  return { note: { letter, pc: mod12(NATURAL_PC[letter]! + acc) }, rest: text.slice(m[0].length) };
}

/** "Bb", "F#", "C" — double accidentals written out ("F##") when a note really has them. */
export function noteToString(note: NoteName): string {
  const acc = ((note.pc - NATURAL_PC[note.letter]! + 18) % 12) - 6;
  const sign = acc > 0 ? "#".repeat(acc) : "b".repeat(-acc);
  return LETTERS[note.letter] + sign;
}

/** The common name of a pitch class (sharps or flats), as used when no key says otherwise. */
export function pitchClassName(pc: number, flats = false): string {
  return (flats ? FLAT_NAMES : SHARP_NAMES)[mod12(pc)]!;
}

function named(name: string): NoteName {
  const read = readNote(name);
  if (!read) throw new Error(`not a note name: ${name}`);
  return read.note;
}

/**
 * Parse a key name: "F major", "D minor", "Dm", "Bb", "C# min", "F#m". Null when unreadable, so
 * a Song Map with an odd key string still opens (it is shown as written, spelt by default rules).
 */
export function parseKey(name: string | null | undefined): Key | null {
  if (!name) return null;
  const read = readNote(name.trim());
  if (!read) return null;
  const rest = read.rest.trim().toLowerCase();
  if (["", "major", "maj", "ionian"].includes(rest)) return { tonic: read.note, mode: "major" };
  if (["m", "minor", "min", "aeolian", "-"].includes(rest)) return { tonic: read.note, mode: "minor" };
  return null;
}

export function keyName(key: Key): string {
  return `${noteToString(key.tonic)} ${key.mode}`;
}

/** Short chart name: "F", "Dm". */
export function keyShortName(key: Key): string {
  return noteToString(key.tonic) + (key.mode === "minor" ? "m" : "");
}

/** The key `semitones` away, spelt the conventional way (Db not C#, F# not Gb major). */
export function transposeKey(key: Key, semitones: number): Key {
  if (mod12(semitones) === 0) return key;
  const pc = mod12(key.tonic.pc + semitones);
  const names = key.mode === "major" ? MAJOR_TONICS : MINOR_TONICS;
  return { tonic: named(names[pc]!), mode: key.mode };
}

/** Sharps (+) or flats (−) in the key signature, from the tonic as written (Gb −6, F# +6). */
export function keySignature(key: Key): number {
  const major: NoteName =
    key.mode === "major"
      ? key.tonic
      : { letter: (key.tonic.letter + 2) % 7, pc: mod12(key.tonic.pc + 3) };
  const acc = ((major.pc - NATURAL_PC[major.letter]! + 18) % 12) - 6;
  return NATURAL_MAJOR_SIGNATURE[major.letter]! + 7 * acc;
}

/**
 * The name of pitch class `pc` as written in `key` (the analysis' rule, see the module note).
 * Double accidentals, and B#/E#/Cb/Fb outside keys that need them, fall back to the common name
 * on the key signature's side. Without a key the common chart names (C# Eb F# Ab Bb) are used.
 */
export function spellPitchClass(pc: number, key: Key | null): NoteName {
  pc = mod12(pc);
  if (!key) return named(DEFAULT_NAMES[pc]!);
  const interval = mod12(pc - key.tonic.pc);
  const degree = DEGREE_OF_INTERVAL[interval]!;
  const letter = (key.tonic.letter + degree - 1) % 7;
  const diff = ((pc - NATURAL_PC[letter]! + 18) % 12) - 6;
  const scale = key.mode === "minor" ? MINOR_SCALE : MAJOR_SCALE;
  const diatonic = scale.includes(interval);
  const spelt: NoteName = { letter, pc };
  const text = noteToString(spelt);
  if (Math.abs(diff) > 1 || (["B#", "E#", "Cb", "Fb"].includes(text) && !diatonic)) {
    return named(pitchClassName(pc, keySignature(key) < 0));
  }
  return spelt;
}

/** Parse a chord symbol; null for no-chord ("N", "N.C.") and for text that is not a chord. */
export function parseChord(symbol: string): ParsedChord | null {
  const s = symbol.trim();
  if (!s || NO_CHORD_SYMBOLS.has(s.toUpperCase())) return null;
  const head = readNote(s);
  if (!head || head.note.letter < 0) return null;
  let rest = head.rest;
  if (rest.startsWith(":")) {
    // Harte label, e.g. "F#:min7/b3" — the bass degree form is rare; keep only note-name basses.
    const [q, bass] = rest.slice(1).split("/");
    const quality = HARTE[q ?? ""];
    if (quality === undefined) return null;
    const bassNote = bass ? readNote(bass) : null;
    return { root: head.note, quality, bass: bassNote && bassNote.rest === "" ? bassNote.note : null };
  }
  let bass: NoteName | null = null;
  const slash = rest.lastIndexOf("/");
  if (slash >= 0) {
    const b = readNote(rest.slice(slash + 1));
    if (b && b.rest === "") {
      bass = b.note;
      rest = rest.slice(0, slash);
    }
  }
  // A quality is letters, digits, accidentals, parentheses, +, -, ° and slashes (6/9).
  if (!/^[A-Za-z0-9#b♯♭+\-°ø()/,.]*$/.test(rest)) return null;
  return { root: head.note, quality: rest, bass };
}

/** True when `symbol` is something the chart can show: a readable chord or a no-chord mark. */
export function isChordSymbol(symbol: string): boolean {
  const s = symbol.trim();
  return NO_CHORD_SYMBOLS.has(s.toUpperCase()) || parseChord(s) !== null;
}

export function chordToString(chord: ParsedChord): string {
  return noteToString(chord.root) + chord.quality + (chord.bass ? "/" + noteToString(chord.bass) : "");
}

/**
 * Transpose a chord symbol by `semitones` and spell it for `key` (the key it is played in after
 * transposing). No-chords become "N.C."; text that is not a chord is returned unchanged.
 */
export function transposeChord(symbol: string, semitones: number, key: Key | null): string {
  const s = symbol.trim();
  if (NO_CHORD_SYMBOLS.has(s.toUpperCase())) return "N.C.";
  const chord = parseChord(s);
  if (!chord) return symbol;
  const respell = (n: NoteName): NoteName =>
    mod12(semitones) === 0 && !key ? n : spellPitchClass(n.pc + semitones, key);
  return chordToString({
    root: respell(chord.root),
    quality: chord.quality,
    bass: chord.bass ? respell(chord.bass) : null,
  });
}

/**
 * A key that explains a chord list, for Song Maps without a key: the major or minor key whose
 * scale holds the most chord roots (diatonic triads count double), the first and last chords
 * breaking ties towards the tonic. Null when there is no chord.
 */
export function guessKey(symbols: readonly string[]): Key | null {
  const chords = symbols.map(parseChord).filter((c): c is ParsedChord => c !== null);
  if (chords.length === 0) return null;
  const triadOf = (scale: number[], degree: number): "major" | "minor" | "other" => {
    const third = mod12(scale[(degree + 2) % 7]! - scale[degree]!);
    const fifth = mod12(scale[(degree + 4) % 7]! - scale[degree]!);
    if (fifth !== 7) return "other";
    return third === 4 ? "major" : "minor";
  };
  const isMinorQuality = (q: string) => /^(m(?!aj)|min|-)/.test(q);
  let best: { score: number; key: Key } | null = null;
  for (const mode of ["major", "minor"] as const) {
    const scale = mode === "major" ? MAJOR_SCALE : MINOR_SCALE;
    for (let tonic = 0; tonic < 12; tonic++) {
      let score = 0;
      for (const c of chords) {
        const idx = scale.indexOf(mod12(c.root.pc - tonic));
        if (idx < 0) continue;
        score += 1;
        const triad = triadOf(scale, idx);
        if ((triad === "minor") === isMinorQuality(c.quality) && triad !== "other") score += 1;
      }
      const first = chords[0]!;
      const last = chords[chords.length - 1]!;
      const tonicMatches = (c: ParsedChord) =>
        c.root.pc === tonic && isMinorQuality(c.quality) === (mode === "minor");
      if (tonicMatches(first)) score += 1.5;
      if (tonicMatches(last)) score += 1;
      const names = mode === "major" ? MAJOR_TONICS : MINOR_TONICS;
      const key: Key = { tonic: named(names[tonic]!), mode };
      if (!best || score > best.score) best = { score, key };
    }
  }
  return best!.key;
}

/** The view a player asked for: sounding pitch moved by `transpose`, and a capo. */
/** The triad family a quality belongs to: "" major, "m", "dim", "aug", "sus2", "sus4". */
export function triadQuality(quality: string): string {
  const q = quality.replace(/[()]/g, "");
  if (/^(dim|°|o(?!\w)|m7b5|ø|min7b5|hdim)/.test(q)) return "dim";
  if (/^(aug|\+)/.test(q)) return "aug";
  if (/^(m(?!aj)|min|-)/.test(q)) return "m";
  if (/sus2/.test(q)) return "sus2";
  if (/sus/.test(q)) return "sus4";
  return "";
}

/** "Am7" → "Am", "Cmaj9" → "C", "Bb/D" → "Bb", "F#m7b5" → "F#dim"; a no-chord or non-chord as is. */
export function simplifyChord(symbol: string): string {
  const chord = parseChord(symbol);
  if (!chord) return symbol;
  return chordToString({ root: chord.root, quality: triadQuality(chord.quality), bass: null });
}

export interface ChordView {
  /** Semitones the sounding music is moved by (−11 … +11). */
  transpose: number;
  /** Capo fret (0 = none): chords are shown as the shapes played below the capo. */
  capo: number;
  /** Show triads only: sevenths and extensions dropped, slash chords on their root. */
  simplify?: boolean;
}

export interface ChordSpeller {
  /** The key the chart is read in (after transposing and capo), when one is known. */
  displayKey: Key | null;
  /** The key that sounds after transposing (what a singer needs). */
  soundingKey: Key | null;
  /** Shift applied to every chord. */
  shift: number;
  /** True when chords are shown simplified to triads. */
  simplified: boolean;
  spell(symbol: string): string;
}

/**
 * One speller for a whole chart: the song's key (or one guessed from its chords) moved by the
 * transposition gives the sounding key; the capo moves the shapes down again, and every chord is
 * spelt for the key of the shapes, so a capo-3 chart of an Eb song reads in C.
 */
export function makeSpeller(
  songKey: string | null | undefined,
  chordSymbols: readonly string[],
  view: ChordView,
): ChordSpeller {
  const source = parseKey(songKey) ?? guessKey(chordSymbols);
  const soundingKey = source ? transposeKey(source, view.transpose) : null;
  const shift = view.transpose - view.capo;
  const displayKey = source ? transposeKey(source, shift) : null;
  const cache = new Map<string, string>();
  return {
    displayKey,
    soundingKey,
    shift,
    simplified: !!view.simplify,
    spell(symbol: string) {
      let out = cache.get(symbol);
      if (out === undefined) {
        out = mod12(shift) === 0 && !NO_CHORD_SYMBOLS.has(symbol.trim().toUpperCase())
          ? symbol
          : transposeChord(symbol, shift, displayKey);
        if (view.simplify) out = simplifyChord(out);
        cache.set(symbol, out);
      }
      return out;
    },
  };
}
