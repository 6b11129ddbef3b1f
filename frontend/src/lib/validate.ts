/**
 * Validation before save: the rules the server will apply, checked first so an editor sees
 * every problem at once, next to the field, instead of one 400 at a time.
 *
 * The structural rules (required fields, types, ranges, enums, patterns, no unknown fields) are
 * read from the Song Map JSON Schema itself — the copy `npm run types` places in src/types/ —
 * so they cannot drift from the pydantic model. The model's cross-field validators (a span ends
 * after it starts; beats, downbeats, sections and chords in time order) are not expressible in
 * the schema and are mirrored here, with the editor's own rule that syllables and lines are sung
 * in reading order.
 */
import schemaJson from "../types/song_map.schema.json";
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

type Schema = {
  $ref?: string;
  type?: string;
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  $defs?: Record<string, Schema>;
};

const ROOT = schemaJson as unknown as Schema;

/** Seconds two times may disagree by and still count as in order (rounding in exports). */
const EPS = 1e-6;

function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/$defs/", "");
  const def = ROOT.$defs?.[name];
  if (!def) throw new Error(`schema reference ${schema.$ref} not found`);
  return def;
}

function typeOk(type: string, value: unknown): boolean {
  switch (type) {
    case "object": return typeof value === "object" && value !== null && !Array.isArray(value);
    case "array": return Array.isArray(value);
    case "string": return typeof value === "string";
    case "number": return typeof value === "number" && Number.isFinite(value);
    case "integer": return typeof value === "number" && Number.isInteger(value);
    case "boolean": return typeof value === "boolean";
    case "null": return value === null;
    default: return true;
  }
}

const join = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/** Check `value` against `schema`; push problems to `out`. Returns whether it matched. */
function check(schema: Schema, value: unknown, path: string, out: Issue[]): boolean {
  schema = resolve(schema);
  const before = out.length;
  if (schema.anyOf) {
    for (const option of schema.anyOf) {
      const trial: Issue[] = [];
      if (check(option, value, path, trial)) return true;
    }
    // Report against the non-null option: it says what the field should be.
    const main = schema.anyOf.find((o) => resolve(o).type !== "null") ?? schema.anyOf[0]!;
    check(main, value, path, out);
    return false;
  }
  if (schema.type && !typeOk(schema.type, value)) {
    out.push({ path, message: `must be ${schema.type === "integer" ? "a whole number" : `a ${schema.type}`}` });
    return false;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    out.push({ path, message: `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}` });
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) out.push({ path, message: `must be at least ${schema.minimum}` });
    if (schema.maximum !== undefined && value > schema.maximum) out.push({ path, message: `must be at most ${schema.maximum}` });
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) out.push({ path, message: `must be more than ${schema.exclusiveMinimum}` });
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) out.push({ path, message: `must be less than ${schema.exclusiveMaximum}` });
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      out.push({ path, message: schema.minLength === 1 ? "must not be empty" : `needs at least ${schema.minLength} characters` });
    }
    // JSON Schema counts code points, as the server does
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) {
      out.push({ path, message: `must be at most ${schema.maxLength} characters` });
    }
    if (schema.pattern && !new RegExp(schema.pattern, "u").test(value)) out.push({ path, message: `must match ${schema.pattern}` });
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => check(schema.items!, item, join(path, i), out));
  }
  if (schema.type === "object" && typeof value === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const field of schema.required ?? []) {
      if (!(field in obj) || obj[field] === undefined) out.push({ path: join(path, field), message: "is required" });
    }
    for (const [field, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      const prop = schema.properties?.[field];
      if (prop) check(prop, v, join(path, field), out);
      else if (schema.additionalProperties === false) out.push({ path: join(path, field), message: "is not a Song Map field" });
      else if (typeof schema.additionalProperties === "object") check(schema.additionalProperties, v, join(path, field), out);
    }
  }
  return out.length === before;
}

/** Structural problems against the JSON Schema. */
export function schemaIssues(song: unknown): Issue[] {
  const out: Issue[] = [];
  check(ROOT, song, "", out);
  return out;
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
