/**
 * Edits to a Song Map as named actions.
 *
 * Each action is a plain description (`{type: "nudge", at, delta}`) and `applyAction` turns it
 * into an Immer recipe, so the Song Map stays immutable, every edit yields the patches that undo
 * it (history.ts), and the Blueprint View never mutates data itself. Actions keep the document
 * valid where they can: timing edits are clamped between the neighbouring syllables, and a
 * line's text and span follow its syllables.
 */
import type { Draft } from "immer";
import type { Line, Section, SongMap, Syllable } from "../types/songmap";

/** Where a syllable is: section, line within the section, syllable within the line. */
export interface At {
  section: number;
  line: number;
  syllable: number;
}

export type SectionKind = NonNullable<Section["kind"]>;

export type Action =
  | { type: "setText"; at: At; text: string }
  | { type: "split"; at: At; offset: number }
  | { type: "merge"; at: At }
  | { type: "delete"; at: At }
  | { type: "nudge"; at: At; delta: number; edge?: "both" | "start" | "end" }
  | { type: "setChord"; at: At; chord: string | null }
  | { type: "setEndsWord"; at: At; endsWord: boolean }
  | { type: "renameSection"; section: number; name: string }
  | { type: "setSectionKind"; section: number; kind: SectionKind }
  | { type: "splitSection"; section: number; line: number; name?: string }
  | { type: "mergeSections"; section: number }
  | { type: "moveLine"; section: number; direction: "up" | "down" }
  | { type: "setMeta"; field: "title" | "artist" | "album" | "key"; value: string }
  | { type: "setStart"; at: At; time: number }
  | { type: "setLineStart"; section: number; line: number; time: number }
  | { type: "retimeLine"; section: number; line: number; starts: number[] }
  | { type: "setLineTimings"; lines: LineTimings[] };

/** New times for one line's syllables, in order (a "re-align from here" reply), each with the
 * calibrated confidence of its timing. */
export interface LineTimings {
  section: number;
  line: number;
  syllables: { startTime: number; duration: number; confidence?: number | null }[];
}

/** Thrown for an action that cannot apply (bad address, nothing to merge with …). */
export class EditError extends Error {}

/** Smallest syllable duration a timing edit leaves (10 ms), so a syllable never vanishes. */
export const MIN_DURATION = 0.01;
const round = (t: number) => Math.round(t * 1000) / 1000;

function lineAt(song: Draft<SongMap>, section: number, line: number): Draft<Line> {
  const l = song.sections[section]?.lines?.[line];
  if (!l) throw new EditError(`no line ${line + 1} in section ${section + 1}`);
  return l;
}

function syllableAt(song: Draft<SongMap>, at: At): Draft<Syllable> {
  const s = lineAt(song, at.section, at.line).syllables?.[at.syllable];
  if (!s) throw new EditError(`no syllable ${at.syllable + 1} in that line`);
  return s;
}

/** A line's text as a reader sees it: syllables joined, a space after each word. */
export function lineText(syllables: readonly Syllable[]): string {
  return syllables
    .map((s) => s.text + (s.endsWord === false ? "" : " "))
    .join("")
    .trim();
}

/** Keep a line's text and span in step with its syllables. */
function refreshLine(line: Draft<Line>): void {
  const syls = line.syllables ?? [];
  if (!syls.length) return;
  line.text = lineText(syls);
  line.startTime = syls[0]!.startTime;
  line.endTime = round(Math.max(...syls.map((s) => s.startTime + s.duration)));
}

/** Keep a section's span covering its lines, without crossing its neighbours' starts. */
function refreshSections(song: Draft<SongMap>): void {
  song.sections.forEach((section, i) => {
    const lines = section.lines ?? [];
    if (lines.length) {
      const first = lines[0]!.startTime;
      const last = Math.max(...lines.map((l) => l.endTime));
      const previousStart = i > 0 ? song.sections[i - 1]!.startTime : 0;
      section.startTime = Math.max(previousStart, Math.min(section.startTime, first));
      section.endTime = Math.max(section.endTime, last, section.startTime);
    }
  });
  for (let i = 0; i + 1 < song.sections.length; i++) {
    const next = song.sections[i + 1]!;
    const cur = song.sections[i]!;
    if (cur.endTime > next.startTime) cur.endTime = Math.max(cur.startTime, next.startTime);
  }
}

/** The syllables before and after `at` in reading order (across lines and sections). */
function neighbours(song: Draft<SongMap>, at: At): { prev?: Syllable; next?: Syllable } {
  const flat: { s: number; l: number; y: number; syl: Syllable }[] = [];
  song.sections.forEach((sec, s) =>
    (sec.lines ?? []).forEach((line, l) =>
      (line.syllables ?? []).forEach((syl, y) => flat.push({ s, l, y, syl })),
    ),
  );
  const i = flat.findIndex((f) => f.s === at.section && f.l === at.line && f.y === at.syllable);
  return { prev: flat[i - 1]?.syl, next: flat[i + 1]?.syl };
}

/**
 * Set a syllable's text. Text with spaces or inner hyphens becomes that many syllables ("flows
 * down" → flows · down, "sil-ver" → sil- · ver), sharing the syllable's time by their length;
 * the first keeps the chord and pitch, the last keeps whether the word ends there.
 */
function setText(song: Draft<SongMap>, at: At, text: string): void {
  const pieces = typedSyllables(text);
  if (!pieces.length) throw new EditError("a syllable needs some text; delete it instead");
  const line = lineAt(song, at.section, at.line);
  const syl = syllableAt(song, at);
  if (pieces.length === 1) {
    syl.text = pieces[0]!.text;
  } else {
    const total = pieces.reduce((n, p) => n + p.text.length, 0);
    const endsWord = syl.endsWord;
    const created: Syllable[] = [];
    let t = syl.startTime;
    pieces.forEach((piece, i) => {
      const last = i === pieces.length - 1;
      const duration = last ? round(syl.startTime + syl.duration - t) : round((syl.duration * piece.text.length) / total);
      created.push({
        ...syl,
        text: piece.text,
        startTime: round(t),
        duration: Math.max(0, duration),
        chord: i === 0 ? syl.chord ?? null : null,
        pitch: i === 0 ? syl.pitch ?? null : syl.pitch ?? null,
        endsWord: last ? endsWord : piece.endsWord,
      });
      t += duration;
    });
    line.syllables!.splice(at.syllable, 1, ...created);
  }
  refreshLine(line);
}

/** The syllables typed into one syllable's field: words split at spaces, and at hyphens inside. */
export function typedSyllables(text: string): { text: string; endsWord: boolean }[] {
  const out: { text: string; endsWord: boolean }[] = [];
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const parts = word.split(/(?<=\p{L})-(?=\p{L})/u);
    parts.forEach((part, i) => out.push({ text: part, endsWord: i === parts.length - 1 }));
  }
  return out;
}

/**
 * Where the selected syllable is after `action` (structural edits move it: a split section
 * puts its lines in a new one, a merge shifts them). Null when it is gone.
 */
export function followSelection(action: Action, at: At | null, before: SongMap): At | null {
  if (!at) return null;
  const linesIn = (s: number) => before.sections[s]?.lines?.length ?? 0;
  switch (action.type) {
    case "splitSection":
      if (at.section === action.section && at.line >= action.line) return { ...at, section: at.section + 1, line: at.line - action.line };
      return at.section > action.section ? { ...at, section: at.section + 1 } : at;
    case "mergeSections":
      if (at.section === action.section + 1) return { ...at, section: action.section, line: linesIn(action.section) + at.line };
      return at.section > action.section + 1 ? { ...at, section: at.section - 1 } : at;
    case "moveLine": {
      const s = action.section;
      if (action.direction === "up") {
        if (at.section === s && at.line === 0) return { ...at, section: s - 1, line: linesIn(s - 1) };
        return at.section === s ? { ...at, line: at.line - 1 } : at;
      }
      const last = linesIn(s) - 1;
      if (at.section === s && at.line === last) return { ...at, section: s + 1, line: 0 };
      return at.section === s + 1 ? { ...at, line: at.line + 1 } : at;
    }
    case "merge":
    case "delete": {
      const same = at.section === action.at.section && at.line === action.at.line;
      if (!same || at.syllable <= action.at.syllable) return at;
      return { ...at, syllable: at.syllable - 1 };
    }
    default:
      return at;
  }
}

/** Split a syllable's text at `offset` characters; its time is shared in the same proportion. */
function split(song: Draft<SongMap>, at: At, offset: number): void {
  const line = lineAt(song, at.section, at.line);
  const syl = syllableAt(song, at);
  if (offset <= 0 || offset >= syl.text.length) {
    throw new EditError("split inside the syllable: both parts need at least one letter");
  }
  const fraction = offset / syl.text.length;
  const firstDuration = round(syl.duration * fraction);
  const second: Syllable = {
    ...syl,
    text: syl.text.slice(offset),
    startTime: round(syl.startTime + firstDuration),
    duration: round(Math.max(0, syl.duration - firstDuration)),
    chord: null,
  };
  syl.text = syl.text.slice(0, offset);
  syl.duration = firstDuration;
  syl.endsWord = false;
  line.syllables!.splice(at.syllable + 1, 0, second);
  refreshLine(line);
}

/** Merge a syllable with the next one in its line; the first chord mark wins. */
function merge(song: Draft<SongMap>, at: At): void {
  const line = lineAt(song, at.section, at.line);
  const syl = syllableAt(song, at);
  const next = line.syllables?.[at.syllable + 1];
  if (!next) throw new EditError("nothing to merge with: this is the last syllable of the line");
  const joiner = syl.endsWord === false ? "" : " ";
  syl.text = syl.text + joiner + next.text;
  syl.duration = round(Math.max(syl.startTime + syl.duration, next.startTime + next.duration) - syl.startTime);
  syl.endsWord = next.endsWord ?? true;
  syl.chord = syl.chord ?? next.chord ?? null;
  if (syl.pitch == null) syl.pitch = next.pitch ?? null;
  line.syllables!.splice(at.syllable + 1, 1);
  refreshLine(line);
}

function remove(song: Draft<SongMap>, at: At): void {
  const line = lineAt(song, at.section, at.line);
  const syl = syllableAt(song, at);
  const next = line.syllables?.[at.syllable + 1];
  // A chord change must not disappear with the syllable it was printed over.
  if (syl.chord && next && !next.chord) next.chord = syl.chord;
  line.syllables!.splice(at.syllable, 1);
  if (line.syllables!.length) refreshLine(line);
  else line.text = "";
}

/**
 * Move a syllable (`edge: "both"`), its start, or its end by `delta` seconds, clamped so it does
 * not start before the previous syllable starts, does not overlap the next, and keeps at least
 * MIN_DURATION.
 */
function nudge(song: Draft<SongMap>, at: At, delta: number, edge: "both" | "start" | "end"): void {
  const syl = syllableAt(song, at);
  const { prev, next } = neighbours(song, at);
  const lowest = prev ? prev.startTime : 0;
  const highest = next ? next.startTime : song.duration;
  let start = syl.startTime;
  let end = syl.startTime + syl.duration;
  if (edge === "both") {
    const d = Math.min(Math.max(delta, lowest - start), highest - end);
    start += d;
    end += d;
  } else if (edge === "start") {
    start = Math.min(Math.max(start + delta, lowest), end - MIN_DURATION);
  } else {
    end = Math.max(Math.min(end + delta, highest), start + MIN_DURATION);
  }
  syl.startTime = round(Math.max(0, start));
  syl.duration = round(Math.max(0, end - start));
  refreshLine(lineAt(song, at.section, at.line));
  refreshSections(song);
}

/** A syllable starts at `time` (the playhead): its start moves and its end stays, or, at or past
 * its end, the whole syllable moves; clamped between its neighbours as a nudge is. A time the
 * user set carries no machine confidence, so the chart stops marking it unsure. */
function setStart(song: Draft<SongMap>, at: At, time: number): void {
  const syl = syllableAt(song, at);
  const delta = time - syl.startTime;
  nudge(song, at, delta, time < syl.startTime + syl.duration - MIN_DURATION ? "start" : "both");
  syl.confidence = null;
}

interface Placed {
  syl: Draft<Syllable>;
  section: number;
  line: number;
}

function flatSyllables(song: Draft<SongMap>): Placed[] {
  const flat: Placed[] = [];
  song.sections.forEach((sec, s) =>
    (sec.lines ?? []).forEach((line, l) => (line.syllables ?? []).forEach((syl) => flat.push({ syl, section: s, line: l }))),
  );
  return flat;
}

/**
 * After a line was given new times, push the syllables around it out of its way, keeping their
 * lengths: later ones that now start before the one before them ends move later (up to the end
 * of the song), earlier ones that now end after the next starts are cut short, or moved earlier
 * when they would start after it. Stops at the first syllable that needs nothing, so a fix
 * touches only what it overlaps; "re-align from here" then places the rest properly.
 */
function settleAround(song: Draft<SongMap>, section: number, line: number): void {
  const flat = flatSyllables(song);
  const first = flat.findIndex((p) => p.section === section && p.line === line);
  if (first < 0) return;
  let last = first;
  while (last + 1 < flat.length && flat[last + 1]!.section === section && flat[last + 1]!.line === line) last++;
  const touched = new Set<string>([`${section}/${line}`]);
  for (let j = last + 1; j < flat.length; j++) {
    const prev = flat[j - 1]!.syl;
    const cur = flat[j]!.syl;
    const needed = Math.max(prev.startTime + prev.duration, prev.startTime + MIN_DURATION);
    if (cur.startTime >= needed) break;
    const start = Math.min(needed, Math.max(0, song.duration - MIN_DURATION));
    cur.duration = round(Math.max(MIN_DURATION, Math.min(cur.duration, song.duration - start)));
    cur.startTime = round(start);
    touched.add(`${flat[j]!.section}/${flat[j]!.line}`);
  }
  for (let j = first - 1; j >= 0; j--) {
    const next = flat[j + 1]!.syl;
    const cur = flat[j]!.syl;
    if (cur.startTime + cur.duration <= next.startTime) break;
    if (cur.startTime <= next.startTime - MIN_DURATION) {
      cur.duration = round(next.startTime - cur.startTime);
    } else {
      cur.startTime = round(Math.max(0, next.startTime - cur.duration));
      cur.duration = round(Math.max(MIN_DURATION, Math.min(cur.duration, next.startTime - cur.startTime)));
    }
    touched.add(`${flat[j]!.section}/${flat[j]!.line}`);
  }
  for (const key of touched) {
    const [s, l] = key.split("/").map(Number) as [number, number];
    refreshLine(lineAt(song, s, l));
  }
  refreshSections(song);
}

function lineSyllables(song: Draft<SongMap>, section: number, line: number): Draft<Syllable>[] {
  const syls = lineAt(song, section, line).syllables ?? [];
  if (!syls.length) throw new EditError("this line has no syllables to time");
  return syls;
}

/** The whole line moves so its first syllable starts at `time`; its neighbours make room. */
function setLineStart(song: Draft<SongMap>, section: number, line: number, time: number): void {
  const syls = lineSyllables(song, section, line);
  const end = Math.max(...syls.map((s) => s.startTime + s.duration));
  const delta = Math.min(Math.max(time, 0), song.duration - (end - syls[0]!.startTime)) - syls[0]!.startTime;
  for (const syl of syls) {
    syl.startTime = round(syl.startTime + delta);
    syl.confidence = null;
  }
  settleAround(song, section, line);
}

/**
 * A line re-timed by tapping along: one start per syllable (in the order tapped). Each syllable
 * lasts until the next tap; the last keeps its length. Taps out of order are refused.
 */
function retimeLine(song: Draft<SongMap>, section: number, line: number, starts: number[]): void {
  const syls = lineSyllables(song, section, line);
  if (starts.length !== syls.length) {
    throw new EditError(`tap once per syllable: ${syls.length} expected, ${starts.length} tapped`);
  }
  if (starts.some((t, i) => !Number.isFinite(t) || t < 0 || (i > 0 && t < starts[i - 1]!))) {
    throw new EditError("the taps must run forward in time");
  }
  syls.forEach((syl, i) => {
    const start = Math.min(starts[i]!, song.duration);
    const next = starts[i + 1];
    syl.startTime = round(start);
    syl.duration = round(Math.max(MIN_DURATION, next !== undefined ? next - start : Math.min(syl.duration, song.duration - start)));
    syl.confidence = null;
  });
  settleAround(song, section, line);
}

/** Apply a "re-align from here" reply in one step. Refused whole if a line no longer has the
 * syllables it had when the request was sent (the user edited meanwhile). */
function setLineTimings(song: Draft<SongMap>, lines: LineTimings[]): void {
  for (const t of lines) {
    const syls = lineAt(song, t.section, t.line).syllables ?? [];
    if (syls.length !== t.syllables.length) {
      throw new EditError("the lyrics changed while re-aligning: re-align again");
    }
  }
  for (const t of lines) {
    const line = lineAt(song, t.section, t.line);
    line.syllables!.forEach((syl, i) => {
      const timed = t.syllables[i]!;
      syl.startTime = round(Math.max(0, timed.startTime));
      syl.duration = round(Math.max(0, timed.duration));
      syl.confidence = timed.confidence ?? null;
    });
    refreshLine(line);
  }
  refreshSections(song);
}

function setChord(song: Draft<SongMap>, at: At, chord: string | null): void {
  const text = chord?.trim() ?? "";
  syllableAt(song, at).chord = text ? text : null;
}

function splitSection(song: Draft<SongMap>, s: number, line: number, name?: string): void {
  const section = song.sections[s];
  const lines = section?.lines ?? [];
  if (!section || line <= 0 || line >= lines.length) {
    throw new EditError("split a section between two of its lines");
  }
  const moved = lines.splice(line);
  const start = moved[0]!.startTime;
  const created: Section = {
    name: name ?? `${section.name} (2)`,
    kind: section.kind ?? "section",
    startTime: start,
    endTime: Math.max(section.endTime, start),
    lines: moved,
  };
  section.endTime = start;
  song.sections.splice(s + 1, 0, created);
}

function mergeSections(song: Draft<SongMap>, s: number): void {
  const section = song.sections[s];
  const next = song.sections[s + 1];
  if (!section || !next) throw new EditError("nothing to merge with: this is the last section");
  section.lines = [...(section.lines ?? []), ...(next.lines ?? [])];
  section.endTime = Math.max(section.endTime, next.endTime);
  song.sections.splice(s + 1, 1);
}

/**
 * Move a section boundary by one line: "up" hands the section's first line to the section
 * before it, "down" hands its last line to the section after it.
 */
function moveLine(song: Draft<SongMap>, s: number, direction: "up" | "down"): void {
  const section = song.sections[s];
  if (!section?.lines?.length) throw new EditError("this section has no line to move");
  if (direction === "up") {
    const before = song.sections[s - 1];
    if (!before) throw new EditError("there is no section before this one");
    const line = section.lines.shift()!;
    (before.lines ??= []).push(line);
    before.endTime = Math.max(before.endTime, line.endTime);
    section.startTime = section.lines[0]?.startTime ?? Math.max(section.startTime, line.endTime);
    section.startTime = Math.max(section.startTime, before.startTime);
    before.endTime = Math.min(before.endTime, section.startTime);
  } else {
    const after = song.sections[s + 1];
    if (!after) throw new EditError("there is no section after this one");
    const line = section.lines.pop()!;
    (after.lines ??= []).unshift(line);
    after.startTime = Math.min(after.startTime, line.startTime);
    section.endTime = Math.min(section.endTime, after.startTime);
  }
}

/** Apply one action to a draft (use inside Immer's produce). */
export function applyAction(song: Draft<SongMap>, action: Action): void {
  switch (action.type) {
    case "setText":
      return setText(song, action.at, action.text);
    case "split":
      return split(song, action.at, action.offset);
    case "merge":
      return merge(song, action.at);
    case "delete":
      return remove(song, action.at);
    case "nudge":
      return nudge(song, action.at, action.delta, action.edge ?? "both");
    case "setChord":
      return setChord(song, action.at, action.chord);
    case "setEndsWord":
      syllableAt(song, action.at).endsWord = action.endsWord;
      return refreshLine(lineAt(song, action.at.section, action.at.line));
    case "renameSection": {
      const section = song.sections[action.section];
      if (!section) throw new EditError(`no section ${action.section + 1}`);
      section.name = action.name.trim() || section.name;
      return;
    }
    case "setSectionKind": {
      const section = song.sections[action.section];
      if (!section) throw new EditError(`no section ${action.section + 1}`);
      section.kind = action.kind;
      return;
    }
    case "splitSection":
      return splitSection(song, action.section, action.line, action.name);
    case "mergeSections":
      return mergeSections(song, action.section);
    case "moveLine":
      return moveLine(song, action.section, action.direction);
    case "setStart":
      return setStart(song, action.at, action.time);
    case "setLineStart":
      return setLineStart(song, action.section, action.line, action.time);
    case "retimeLine":
      return retimeLine(song, action.section, action.line, action.starts);
    case "setLineTimings":
      return setLineTimings(song, action.lines);
    case "setMeta": {
      const value = action.value.trim();
      if (action.field === "album" || action.field === "key") song[action.field] = value || null;
      else song[action.field] = value;
      return;
    }
  }
}

/** A short description of an action, for the undo/redo buttons' titles. */
export function describeAction(action: Action): string {
  switch (action.type) {
    case "setText": return `edit lyric “${action.text}”`;
    case "split": return "split syllable";
    case "merge": return "merge syllables";
    case "delete": return "delete syllable";
    case "nudge": return `nudge timing ${action.delta < 0 ? "−" : "+"}${Math.abs(Math.round(action.delta * 1000))} ms`;
    case "setChord": return action.chord ? `set chord ${action.chord}` : "remove chord";
    case "setEndsWord": return action.endsWord ? "end word here" : "join with next syllable";
    case "renameSection": return `rename section “${action.name}”`;
    case "setSectionKind": return `mark section as ${action.kind}`;
    case "splitSection": return "split section";
    case "mergeSections": return "merge sections";
    case "moveLine": return `move line ${action.direction === "up" ? "to previous" : "to next"} section`;
    case "setMeta": return `change ${action.field}`;
    case "setStart": return "set syllable start to the playhead";
    case "setLineStart": return "set line start to the playhead";
    case "retimeLine": return "re-time line by tapping along";
    case "setLineTimings": return `re-align ${action.lines.length} line${action.lines.length === 1 ? "" : "s"}`;
  }
}
