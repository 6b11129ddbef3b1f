/**
 * Export a Song Map to the text formats other musicians' tools already read: ChordPro 6 and
 * Enhanced LRC. A port of common/performia/songmap/export.py that writes the same bytes (the unit
 * tests compare against files the Python exporter wrote), so a chart exported from the browser
 * and one exported from the command line are interchangeable.
 */
import type { ChordSegment, Line, Section, SongMap, Syllable } from "../types/songmap";
import { keyName, type ChordSpeller } from "./music";

const CHORDPRO_ENVIRONMENTS: Record<string, string> = { verse: "verse", chorus: "chorus", bridge: "bridge" };
const NO_CHORD = new Set(["N", "NC", "N.C."]);
const KEY_RE = /^([A-Ga-g])([#b♯♭]?)\s*(major|maj|minor|min|m)?$/i;

/**
 * `value` in units of 10^-places, rounded half up (away from zero), on the shortest decimal form
 * of the float — so 1.005 s becomes 1.01 s as a person expects, and 120.5 BPM becomes 121.
 */
export function roundHalfUp(value: number, places = 0): number {
  const sign = value < 0 ? -1 : 1;
  const text = String(Math.abs(value));
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(text);
  if (!m) return Math.round(value * 10 ** places);
  const digits = (m[1]! + (m[2] ?? "")).replace(/^0+(?=\d)/, "");
  const exponent = Number(m[3] ?? 0) - (m[2]?.length ?? 0) + places;
  if (exponent >= 0) return sign * Number(digits + "0".repeat(exponent));
  const keep = digits.length + exponent;
  const head = keep > 0 ? Number(digits.slice(0, keep)) : 0;
  const firstDropped = keep >= 0 ? Number(digits[keep] ?? 0) : 0;
  return sign * (head + (firstDropped >= 5 ? 1 : 0));
}

const hundredths = (seconds: number) => Math.max(0, roundHalfUp(seconds, 2));
const wholeSeconds = (seconds: number) => Math.max(0, roundHalfUp(seconds));
const pad2 = (n: number) => String(n).padStart(2, "0");

/** mm:ss.xx with minutes allowed past 59 (LRC has no hours field). */
export function lrcTime(seconds: number): string {
  const cs = hundredths(seconds);
  const minutes = Math.floor(cs / 6000);
  const rest = cs % 6000;
  return `${pad2(minutes)}:${pad2(Math.floor(rest / 100))}.${pad2(rest % 100)}`;
}

/** Collapse all whitespace, newlines included: a header value must stay on one line. */
const oneLine = (value: string) => value.split(/\s+/u).filter(Boolean).join(" ");
const stripBrackets = (text: string, brackets = "[]") =>
  [...text].filter((c) => !brackets.includes(c)).join("");

/** Group syllables into words: a syllable with endsWord false joins the next one. */
export function words(syllables: readonly Syllable[]): Syllable[][] {
  const out: Syllable[][] = [];
  let current: Syllable[] = [];
  for (const syl of syllables) {
    current.push(syl);
    if (syl.endsWord !== false) {
      out.push(current);
      current = [];
    }
  }
  if (current.length) out.push(current);
  return out;
}

// ---------------------------------------------------------------------------------------------
// ChordPro
// ---------------------------------------------------------------------------------------------

function chordproKey(key: string): string {
  const text = oneLine(key);
  const m = KEY_RE.exec(text);
  if (!m) return text;
  const [, letter, accidental, mode] = m;
  const acc = ({ "♯": "#", "♭": "b" } as Record<string, string>)[accidental ?? ""] ?? (accidental ?? "").toLowerCase();
  const minor = mode !== undefined && (mode === "m" || mode.toLowerCase().startsWith("min"));
  return `${letter!.toUpperCase()}${acc}${minor ? "m" : ""}`;
}

function chordproChord(symbol: string): string {
  const name = stripBrackets(symbol).trim();
  return NO_CHORD.has(name) ? "[N.C.]" : `[${name}]`;
}

function chordproLine(line: Line): string {
  const syls = line.syllables ?? [];
  if (!syls.length) return stripBrackets(line.text).trim();
  const parts: string[] = [];
  for (const syl of syls) {
    if (syl.chord) parts.push(chordproChord(syl.chord));
    parts.push(stripBrackets(syl.text).trim());
    if (syl.endsWord !== false) parts.push(" ");
  }
  return parts.join("").trimEnd();
}

function sectionChords(section: Section, chords: readonly ChordSegment[]): string[] {
  const symbols: string[] = [];
  for (const seg of chords) {
    if (seg.endTime <= section.startTime || seg.startTime >= section.endTime) continue;
    const symbol = seg.symbol.trim();
    if (!symbol || NO_CHORD.has(symbol)) continue;
    if (symbols[symbols.length - 1] !== symbol) symbols.push(symbol);
  }
  return symbols;
}

function chordproSection(section: Section, chords: readonly ChordSegment[]): string[] {
  let body: string[];
  if (section.lines?.length) {
    body = section.lines.map(chordproLine);
  } else {
    const symbols = sectionChords(section, chords);
    body = symbols.length ? [symbols.map(chordproChord).join(" ")] : [];
  }
  const name = oneLine(section.name);
  const env = CHORDPRO_ENVIRONMENTS[section.kind ?? "section"];
  if (env === undefined) return [...(name ? [`{comment: ${name}}`] : []), ...body];
  const start = name ? `{start_of_${env}: ${name}}` : `{start_of_${env}}`;
  return [start, ...body, `{end_of_${env}}`];
}

/**
 * The Song Map as a ChordPro 6 chart (text ending in a newline). With `capo`, the chords are
 * the shapes played above it ({key} names them) and the chart says `{capo: N}`, so a reader
 * (or another app) knows the song sounds N semitones higher.
 */
export function toChordPro(song: SongMap, { capo = 0 }: { capo?: number } = {}): string {
  const out = [`{title: ${oneLine(song.title)}}`, `{artist: ${oneLine(song.artist)}}`];
  if (song.album) out.push(`{album: ${oneLine(song.album)}}`);
  if (song.key) out.push(`{key: ${chordproKey(song.key)}}`);
  if (capo > 0) out.push(`{capo: ${capo}}`);
  if (song.tempo != null) out.push(`{tempo: ${roundHalfUp(song.tempo)}}`);
  if (song.timeSignature) out.push(`{time: ${song.timeSignature.numerator}/${song.timeSignature.denominator}}`);
  const total = wholeSeconds(song.duration);
  out.push(`{duration: ${Math.floor(total / 60)}:${pad2(total % 60)}}`);
  for (const section of song.sections) {
    out.push("");
    out.push(...chordproSection(section, song.chords ?? []));
  }
  return out.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// Enhanced LRC
// ---------------------------------------------------------------------------------------------

const lrcText = (text: string) => stripBrackets(text, "[]<>").trim();

function lrcLine(line: Line): string | null {
  const out: string[] = [];
  for (const word of words(line.syllables ?? [])) {
    const text = word.map((s) => lrcText(s.text)).join("");
    if (text) out.push(`<${lrcTime(word[0]!.startTime)}>${text}`);
  }
  if (!out.length) return null;
  return `[${lrcTime(line.startTime)}]` + out.join(" ");
}

/** The Song Map as Enhanced LRC with word-level timestamps (text ending in a newline). */
export function toLrc(song: SongMap): string {
  const out = [`[ti:${lrcText(oneLine(song.title))}]`, `[ar:${lrcText(oneLine(song.artist))}]`];
  if (song.album) out.push(`[al:${lrcText(oneLine(song.album))}]`);
  const total = wholeSeconds(song.duration);
  out.push(`[length: ${pad2(Math.floor(total / 60))}:${pad2(total % 60)}]`);
  for (const section of song.sections) {
    for (const line of section.lines ?? []) {
      const rendered = lrcLine(line);
      if (rendered !== null) out.push(rendered);
    }
  }
  return out.join("\n") + "\n";
}

/**
 * The Song Map as the player sees it: every chord (marks and segments) re-spelt by `speller` and
 * the key renamed, so an export of a transposed chart matches the screen.
 */
export function transposeSong(song: SongMap, speller: ChordSpeller): SongMap {
  if (speller.shift === 0 && !speller.simplified) return song;
  return {
    ...song,
    key: speller.displayKey ? keyName(speller.displayKey) : song.key ?? null,
    chords: (song.chords ?? []).map((c) => ({ ...c, symbol: speller.spell(c.symbol) })),
    sections: song.sections.map((section) => ({
      ...section,
      lines: (section.lines ?? []).map((line) => ({
        ...line,
        syllables: (line.syllables ?? []).map((s) => (s.chord ? { ...s, chord: speller.spell(s.chord) } : s)),
      })),
    })),
  };
}

/** The chart as the player sees it (transposed, in capo shapes) as ChordPro. */
export function chartChordPro(song: SongMap, speller: ChordSpeller, capo: number): string {
  return toChordPro(transposeSong(song, speller), { capo });
}

export const EXPORT_SUFFIX = { chordpro: ".cho", lrc: ".lrc" } as const;

/** A file name for an export: the title made safe for any file system. */
export function exportFileName(song: SongMap, format: keyof typeof EXPORT_SUFFIX): string {
  const base = song.title.normalize("NFKD").replace(/[^\w\- ]+/g, "").trim().replace(/\s+/g, "-") || song.id;
  return base + EXPORT_SUFFIX[format];
}
