/**
 * The timeline index: every syllable, line and section of a Song Map flattened into typed
 * arrays in reading order, so "what is sung at time t" is a binary search (O(log n)) that a
 * requestAnimationFrame loop can afford sixty times a second on a 2,000-syllable song.
 *
 * Start times are made non-decreasing while indexing (a running maximum): a Song Map that jumps
 * back in time is refused by validation before it is saved, but one loaded from elsewhere must
 * still play without the search going wrong.
 */
import type { Line, Section, SongMap, Syllable } from "../types/songmap";

export interface SyllableRef {
  section: number;
  line: number;
  syllable: number;
}

export interface TimelineIndex {
  /** Syllables in reading order. */
  syllables: Syllable[];
  /** Where each flat syllable lives in the Song Map. */
  refs: SyllableRef[];
  /** Start of each syllable (seconds), non-decreasing. */
  starts: Float64Array;
  /** End of each syllable (start + duration). */
  ends: Float64Array;
  /** Global line number of each syllable. */
  lineOf: Int32Array;
  /** Lines in reading order (only lines with syllables count for highlighting). */
  lines: Line[];
  lineStarts: Float64Array;
  lineEnds: Float64Array;
  /** First flat syllable of each line (−1 for a line without syllables). */
  lineFirst: Int32Array;
  /** Section number of each line. */
  lineSection: Int32Array;
  sections: Section[];
  sectionStarts: Float64Array;
  /** True when the Song Map's syllable starts were already in order. */
  ordered: boolean;
}

export function buildTimeline(song: SongMap): TimelineIndex {
  const syllables: Syllable[] = [];
  const refs: SyllableRef[] = [];
  const lines: Line[] = [];
  const lineSectionList: number[] = [];
  const lineFirstList: number[] = [];
  const lineOfList: number[] = [];
  song.sections.forEach((section, s) => {
    (section.lines ?? []).forEach((line, l) => {
      const lineNo = lines.length;
      lines.push(line);
      lineSectionList.push(s);
      const syls = line.syllables ?? [];
      lineFirstList.push(syls.length ? syllables.length : -1);
      syls.forEach((syl, y) => {
        syllables.push(syl);
        refs.push({ section: s, line: l, syllable: y });
        lineOfList.push(lineNo);
      });
    });
  });
  const n = syllables.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  let ordered = true;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const syl = syllables[i]!;
    let start = syl.startTime;
    if (start < previous) {
      ordered = false;
      start = previous;
    }
    starts[i] = start;
    ends[i] = Math.max(start, syl.startTime + Math.max(0, syl.duration));
    previous = start;
  }
  const lineStarts = new Float64Array(lines.length);
  const lineEnds = new Float64Array(lines.length);
  lines.forEach((line, i) => {
    const first = lineFirstList[i]!;
    const count = line.syllables?.length ?? 0;
    lineStarts[i] = first >= 0 ? starts[first]! : line.startTime;
    lineEnds[i] = first >= 0 ? Math.max(line.endTime, ends[first + count - 1]!) : line.endTime;
  });
  return {
    syllables,
    refs,
    starts,
    ends,
    lineOf: Int32Array.from(lineOfList),
    lines,
    lineStarts,
    lineEnds,
    lineFirst: Int32Array.from(lineFirstList),
    lineSection: Int32Array.from(lineSectionList),
    sections: song.sections,
    sectionStarts: Float64Array.from(song.sections.map((s) => s.startTime)),
    ordered,
  };
}

/**
 * The last index `i` with `sorted[i] <= t` (−1 when `t` is before everything).
 * `sorted` must be non-decreasing; equal values resolve to the last of them.
 */
export function lastAtOrBefore(sorted: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

export interface Position {
  /** The syllable last started at `t` (−1 before the first). */
  index: number;
  /** True while `t` is inside that syllable (start ≤ t < end). */
  active: boolean;
  /** How much of the syllable has been sung, 0…1 (1 once it has ended). */
  progress: number;
  /** The line of `index` (−1 before the first syllable). */
  line: number;
  /** The next syllable's start (Infinity after the last). */
  nextStart: number;
}

/** Where the singer is at time `t`. */
export function positionAt(index: TimelineIndex, t: number): Position {
  const i = lastAtOrBefore(index.starts, t);
  const nextStart = i + 1 < index.starts.length ? index.starts[i + 1]! : Infinity;
  if (i < 0) return { index: -1, active: false, progress: 0, line: -1, nextStart };
  const start = index.starts[i]!;
  const end = index.ends[i]!;
  const active = t < end;
  const progress = end > start ? Math.min(1, Math.max(0, (t - start) / (end - start))) : 1;
  return { index: i, active, progress, line: index.lineOf[i]!, nextStart };
}

/** The section sounding at `t` (by section start times); −1 before the first. */
export function sectionAt(index: TimelineIndex, t: number): number {
  return lastAtOrBefore(index.sectionStarts, t);
}

/** A stretch without singing long enough to show the chords and count down to the next line. */
export interface Gap {
  start: number;
  end: number;
  /** Global line number sung after the gap (−1: the song ends). */
  nextLine: number;
  /** Global line number sung before it (−1: the song starts with it). */
  previousLine: number;
}

/**
 * Instrumental passages: the intro before the first sung line, every pause between lines of at
 * least `minSeconds`, and the outro. Lines without syllables are ignored.
 */
export function findGaps(index: TimelineIndex, duration: number, minSeconds = 6): Gap[] {
  const sung: number[] = [];
  index.lines.forEach((_, i) => {
    if (index.lineFirst[i]! >= 0) sung.push(i);
  });
  const gaps: Gap[] = [];
  let previousEnd = 0;
  let previousLine = -1;
  for (const line of sung) {
    const start = index.lineStarts[line]!;
    if (start - previousEnd >= minSeconds) {
      gaps.push({ start: previousEnd, end: start, nextLine: line, previousLine });
    }
    previousEnd = Math.max(previousEnd, index.lineEnds[line]!);
    previousLine = line;
  }
  if (duration - previousEnd >= minSeconds) {
    gaps.push({ start: previousEnd, end: duration, nextLine: -1, previousLine });
  }
  return gaps;
}

/** The gap containing `t` (start ≤ t < end), or −1. `gaps` are in time order. */
export function gapAt(gaps: readonly Gap[], t: number): number {
  let lo = 0;
  let hi = gaps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (gaps[mid]!.start <= t) lo = mid + 1;
    else hi = mid;
  }
  const i = lo - 1;
  return i >= 0 && t < gaps[i]!.end ? i : -1;
}
