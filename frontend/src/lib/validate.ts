/**
 * Validation before save: the rules the server will apply, checked first so an editor sees
 * every problem at once, next to the field, instead of one 400 at a time.
 *
 * The structural rules (required fields, types, ranges, enums, patterns, no unknown fields) are
 * checked by a validator compiled from the Song Map JSON Schema itself (ajv standalone, generated
 * by `npm run types` into src/types/ and checked by `npm run types:check`), so they cannot drift
 * from the pydantic model; it is plain code, generated ahead, because the app's CSP forbids eval.
 * The model's cross-field validators (a span ends after it starts; beats, downbeats, sections and
 * chords in time order) are not expressible in the schema and are mirrored here, with the
 * editor's own rule that syllables and lines are sung in reading order.
 */
import type { ErrorObject } from "ajv";
import validateSchema from "../types/song_map.validate";
import type { SongMap } from "../types/songmap";
import { isChordSymbol } from "./music";

export interface Issue {
  /** JSON path, e.g. "sections[1].lines[0].syllables[3].startTime". */
  path: string;
  message: string;
}

export interface Validation {
  errors: Issue[];
  warnings: Issue[];
  ok: boolean;
}

/** Seconds two times may disagree by and still count as in order (rounding in exports). */
const EPS = 1e-6;

const join = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/**
 * Walk a JSON Pointer ("/sections/1/name") through `doc`: the editor's path
 * ("sections[1].name") and the value there. Indices are told from keys by the data, not the text.
 */
function locate(doc: unknown, pointer: string): { path: string; value: unknown } {
  let path = "";
  let value = doc;
  for (const token of pointer.split("/").slice(1)) {
    const key = token.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(value)) {
      path = join(path, Number(key));
      value = value[Number(key)];
    } else {
      path = join(path, key);
      value = (value as Record<string, unknown> | undefined)?.[key];
    }
  }
  return { path, value };
}

/** One of ajv's errors, worded for an editor; null for those that add nothing. */
function toIssue(doc: unknown, e: ErrorObject): Issue | null {
  const at = locate(doc, e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    // A nullable field is anyOf [the real rule, null]: report against the real rule, which says
    // what the field should be, not that it is also not null.
    case "anyOf": return null;
    case "type":
      if (p.type === "null") return null;
      return { path: at.path, message: `must be ${p.type === "integer" ? "a whole number" : `a ${String(p.type)}`}` };
    case "required":
      return { path: join(at.path, String(p.missingProperty)), message: "is required" };
    case "additionalProperties": {
      const field = String(p.additionalProperty);
      // A field set to undefined is not sent: JSON has no undefined.
      if ((at.value as Record<string, unknown>)[field] === undefined) return null;
      return { path: join(at.path, field), message: "is not a Song Map field" };
    }
    case "enum":
      return { path: at.path, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "minimum": return { path: at.path, message: `must be at least ${String(p.limit)}` };
    case "maximum": return { path: at.path, message: `must be at most ${String(p.limit)}` };
    case "exclusiveMinimum": return { path: at.path, message: `must be more than ${String(p.limit)}` };
    case "exclusiveMaximum": return { path: at.path, message: `must be less than ${String(p.limit)}` };
    // Lengths count code points, as the server does.
    case "minLength":
      return { path: at.path, message: p.limit === 1 ? "must not be empty" : `needs at least ${String(p.limit)} characters` };
    case "maxLength": return { path: at.path, message: `must be at most ${String(p.limit)} characters` };
    case "pattern": return { path: at.path, message: `must match ${String(p.pattern)}` };
    default: return { path: at.path, message: `breaks the schema's ${e.keyword} rule (${e.schemaPath})` };
  }
}

/** Structural problems against the JSON Schema. */
export function schemaIssues(song: unknown): Issue[] {
  if (validateSchema(song)) return [];
  return (validateSchema.errors ?? []).flatMap((e) => toIssue(song, e) ?? []);
}

function inOrder(times: readonly number[], path: string, what: string, out: Issue[]): void {
  for (let i = 1; i < times.length; i++) {
    if (times[i]! < times[i - 1]! - EPS) {
      out.push({ path: `${path}[${i}]`, message: `${what} must be in increasing time order (${fmt(times[i]!)} comes after ${fmt(times[i - 1]!)})` });
      return;
    }
  }
}

const fmt = (t: number) => `${t.toFixed(2)} s`;

function span(item: { startTime: number; endTime: number }, path: string, out: Issue[]): void {
  if (typeof item.startTime === "number" && typeof item.endTime === "number" && item.endTime < item.startTime - EPS) {
    out.push({ path: `${path}.endTime`, message: `ends (${fmt(item.endTime)}) before it starts (${fmt(item.startTime)})` });
  }
}

/** Everything wrong with a Song Map, errors (block saving) and warnings (worth a look). */
export function validateSongMap(song: SongMap): Validation {
  const errors = schemaIssues(song);
  const warnings: Issue[] = [];
  if (errors.length) return { errors, warnings, ok: false };

  inOrder(song.beats ?? [], "beats", "beats", errors);
  inOrder(song.downbeats ?? [], "downbeats", "downbeats", errors);
  inOrder(song.sections.map((s) => s.startTime), "sections", "sections", errors);
  inOrder((song.chords ?? []).map((c) => c.startTime), "chords", "chords", errors);
  (song.chords ?? []).forEach((c, i) => span(c, `chords[${i}]`, errors));
  (song.keySegments ?? []).forEach((k, i) => span(k, `keySegments[${i}]`, errors));

  let previousSyllable = -Infinity;
  let previousSyllablePath = "";
  let previousLine = -Infinity;
  song.sections.forEach((section, s) => {
    const sp = `sections[${s}]`;
    span(section, sp, errors);
    if (!section.name.trim()) warnings.push({ path: `${sp}.name`, message: "section has no name" });
    (section.lines ?? []).forEach((line, l) => {
      const lp = `${sp}.lines[${l}]`;
      span(line, lp, errors);
      if (line.startTime < previousLine - EPS) {
        errors.push({ path: `${lp}.startTime`, message: `line starts (${fmt(line.startTime)}) before the line above it (${fmt(previousLine)})` });
      }
      previousLine = line.startTime;
      (line.syllables ?? []).forEach((syl, y) => {
        const yp = `${lp}.syllables[${y}]`;
        if (!syl.text.trim()) errors.push({ path: `${yp}.text`, message: "syllable text must not be blank" });
        if (syl.startTime < previousSyllable - EPS) {
          errors.push({ path: `${yp}.startTime`, message: `“${syl.text}” starts at ${fmt(syl.startTime)}, before the syllable sung before it (${previousSyllablePath}, ${fmt(previousSyllable)})` });
        }
        previousSyllable = syl.startTime;
        previousSyllablePath = yp;
        if (syl.startTime + syl.duration > song.duration + 0.5) {
          warnings.push({ path: `${yp}.duration`, message: `“${syl.text}” ends after the song (${fmt(song.duration)})` });
        }
        if (syl.chord && !isChordSymbol(syl.chord)) {
          warnings.push({ path: `${yp}.chord`, message: `“${syl.chord}” is not a chord symbol the chart can transpose` });
        }
      });
      const syls = line.syllables ?? [];
      if (syls.length && (syls[0]!.startTime < line.startTime - 0.05 || syls[syls.length - 1]!.startTime > line.endTime + 0.05)) {
        warnings.push({ path: `${lp}`, message: "the line's time span does not cover its syllables" });
      }
    });
  });
  return { errors, warnings, ok: errors.length === 0 };
}

/** "sections[1].lines[0].syllables[3].startTime" → "Verse 2 · line 1 · syllable 4 · start time". */
export function describePath(song: SongMap, path: string): string {
  const parts: string[] = [];
  const m = /^sections\[(\d+)\](?:\.lines\[(\d+)\])?(?:\.syllables\[(\d+)\])?(?:\.(\w+))?/.exec(path);
  if (!m) return path;
  const s = Number(m[1]);
  parts.push(song.sections[s]?.name || `section ${s + 1}`);
  if (m[2] !== undefined) parts.push(`line ${Number(m[2]) + 1}`);
  if (m[3] !== undefined) parts.push(`syllable ${Number(m[3]) + 1}`);
  if (m[4]) parts.push(m[4].replace(/([A-Z])/g, " $1").toLowerCase());
  return parts.join(" · ");
}
