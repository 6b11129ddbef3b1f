/**
 * Chord placement: which syllable a chord is printed over, what is sounding when a line starts,
 * and the progression of an instrumental passage.
 *
 * A Song Map stores a chord on a syllable only where the harmony changes (the analysis decides
 * with `assign_chords` in common/performia/songmap/build.py, mirrored here so a retimed chart can
 * be re-placed exactly the same way).
 */
import type { ChordSegment, SongMap } from "../types/songmap";
import { NO_CHORD_SYMBOLS } from "./music";
import { lastAtOrBefore, type TimelineIndex } from "./timeline";

const isNoChord = (s: string) => NO_CHORD_SYMBOLS.has(s.trim().toUpperCase());

/**
 * The chord to print over each syllable (null where it does not change), from syllable start
 * times in reading order and chord segments in time order. A chord sounds at `t` when
 * start ≤ t < end (with 1 µs of slack so a syllable starting exactly on a change gets it);
 * no-chord is a change too, so a singer sees the band stop.
 */
export function assignChords(starts: readonly number[], chords: readonly ChordSegment[]): (string | null)[] {
  const chordStarts = chords.map((c) => c.startTime);
  const out: (string | null)[] = [];
  let previous: string | null = null;
  for (const t of starts) {
    const i = lastAtOrBefore(chordStarts, t + 1e-6);
    const current = i >= 0 && t < chords[i]!.endTime ? chords[i]!.symbol : null;
    out.push(current !== null && current !== previous ? current : null);
    if (current !== null) previous = current;
  }
  return out;
}

/**
 * The chord sounding at the start of each line, from the chord marks on syllables: a line whose
 * first syllable has no mark carries the last one before it, which the chart shows dimmed so a
 * player who lost their place finds it again.
 */
export function chordsAtLineStarts(index: TimelineIndex): (string | null)[] {
  const out: (string | null)[] = [];
  let sounding: string | null = null;
  let next = 0;
  for (let line = 0; line < index.lines.length; line++) {
    const first = index.lineFirst[line]!;
    if (first < 0) {
      out.push(sounding);
      continue;
    }
    for (; next < first; next++) sounding = index.syllables[next]!.chord ?? sounding;
    out.push(sounding);
  }
  return out;
}

/** A chord of a passage and the segment to judge it by (null when taken from syllable marks). */
export interface PassageChord {
  symbol: string;
  segment: ChordSegment | null;
  /** Where it sounds inside the passage (from its segments; null from syllable marks). */
  start?: number;
  end?: number;
}

/**
 * The chords sounding in [start, end), in order, without no-chords or repeats — the progression
 * of an instrumental passage (as ChordPro export shows it, export.py `_section_chords`). A chord
 * counts if it overlaps by any positive amount; of a chord's repeated segments, the least
 * confident is kept to judge it by.
 */
export function chordMarksInSpan(chords: readonly ChordSegment[], start: number, end: number): PassageChord[] {
  const out: PassageChord[] = [];
  for (const seg of chords) {
    if (seg.endTime <= start || seg.startTime >= end) continue;
    const symbol = seg.symbol.trim();
    if (!symbol || isNoChord(symbol)) continue;
    const last = out[out.length - 1];
    const from = Math.max(start, seg.startTime);
    const to = Math.min(end, seg.endTime);
    if (last?.symbol !== symbol) out.push({ symbol, segment: seg, start: from, end: to });
    else {
      last.end = to;
      if ((seg.confidence ?? 1) < (last.segment?.confidence ?? 1)) last.segment = seg;
    }
  }
  return out;
}

/** The symbols of `chordMarksInSpan`. */
export function chordsInSpan(chords: readonly ChordSegment[], start: number, end: number): string[] {
  return chordMarksInSpan(chords, start, end).map((c) => c.symbol);
}

/**
 * The progression of a passage when the Song Map has no chord segments: the chord marked last
 * before `start` and every mark on syllables inside it (none, usually: nobody sings there).
 */
export function chordsInSpanFromMarks(index: TimelineIndex, start: number, end: number): string[] {
  const symbols: string[] = [];
  const before = lastAtOrBefore(index.starts, start);
  for (let i = before; i >= 0; i--) {
    const c = index.syllables[i]!.chord;
    if (c) {
      if (!isNoChord(c)) symbols.push(c);
      break;
    }
  }
  for (let i = before + 1; i < index.starts.length && index.starts[i]! < end; i++) {
    const c = index.syllables[i]!.chord;
    if (c && !isNoChord(c) && symbols[symbols.length - 1] !== c) symbols.push(c);
  }
  return symbols;
}

/**
 * Below this calibrated confidence a chord is more likely wrong than right (the analysis fits its
 * confidences on real recordings: `performia bench calibrate`), so the chart marks it for the
 * player to check by ear.
 */
export const UNSURE_CHORD = 0.5;
/** Syllables whose confidence is under this are marked for checking: with given lyrics, the
 * calibrated probability that the word starts within 0.3 s of where it is sung; with recognised
 * lyrics, recognition's probability of the word. */
export const UNSURE_SYLLABLE = 0.5;

/** Whether a syllable is marked for checking (see UNSURE_SYLLABLE). */
export function isSyllableUnsure(syl: { confidence?: number | null }): boolean {
  return syl.confidence != null && syl.confidence < UNSURE_SYLLABLE;
}

/** What the chart says about an unsure syllable when a user hovers it. */
export function unsureSyllableNote(confidence: number, lyricsSource: string | null | undefined): string {
  const percent = Math.round(confidence * 100);
  return lyricsSource === "given"
    ? `Timing unsure (${percent} % likely within 0.3 s): check it in the Blueprint View`
    : `Word unsure (heard with ${percent} % confidence): check it in the Blueprint View`;
}

/** The chord segment sounding at `t` (start ≤ t < end, 1 µs of slack), or null. */
export function chordSegmentAt(chords: readonly ChordSegment[], t: number): ChordSegment | null {
  const i = lastAtOrBefore(
    chords.map((c) => c.startTime),
    t + 1e-6,
  );
  return i >= 0 && t < chords[i]!.endTime ? chords[i]! : null;
}

/** Whether a segment's own confidence says the chord should be checked. */
export function isUnsure(segment: ChordSegment | null | undefined): boolean {
  return segment?.confidence != null && segment.confidence < UNSURE_CHORD;
}

/** What the chart says about an unsure chord when a player hovers it. */
export function unsureNote(segment: ChordSegment, spell: (symbol: string) => string): string {
  const percent = Math.round((segment.confidence ?? 0) * 100);
  const also = segment.alternative && !isNoChord(segment.alternative) ? `; could be ${spell(segment.alternative)}` : "";
  return `Unsure chord (${percent} % confidence)${also}`;
}

/** The progression to show for a passage: from segments when the song has them (with the segment
 * to judge each chord by), else from the syllable marks. */
export function passageChordMarks(song: SongMap, index: TimelineIndex, start: number, end: number): PassageChord[] {
  if (song.chords?.length) return chordMarksInSpan(song.chords, start, end);
  return chordsInSpanFromMarks(index, start, end).map((symbol) => ({ symbol, segment: null }));
}

/** Every chord symbol in the song (segments and syllable marks), for guessing a key. */
export function allChordSymbols(song: SongMap): string[] {
  const out: string[] = (song.chords ?? []).map((c) => c.symbol);
  for (const section of song.sections)
    for (const line of section.lines ?? [])
      for (const syl of line.syllables ?? []) if (syl.chord) out.push(syl.chord);
  return out;
}
