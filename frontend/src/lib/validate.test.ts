import { produce } from "immer";
import { describe, expect, it } from "vitest";
import type { SongMap, Syllable } from "../types/songmap";
import golden from "./__fixtures__/golden.song_map.json";
import { smallSong } from "./testing";
import { describePath, schemaIssues, validateSongMap } from "./validate";

const edit = (recipe: (d: SongMap) => void) => produce(smallSong(), recipe);

describe("validateSongMap", () => {
  it("accepts valid Song Maps, including one written by the Python model", () => {
    expect(validateSongMap(smallSong())).toMatchObject({ ok: true, errors: [] });
    expect(validateSongMap(golden as SongMap)).toMatchObject({ ok: true, errors: [] });
  });

  it("reports schema rules: required, types, ranges, enums, unknown fields, patterns", () => {
    const bad = edit((d) => {
      (d as Partial<SongMap>).title = undefined;
      d.duration = -1;
      d.sections[1]!.kind = "hook" as never;
      d.sections[1]!.lines![0]!.syllables![0]!.text = "";
      d.sections[1]!.lines![0]!.syllables![1]!.pitch = 200;
      (d.sections[1]!.lines![0]!.syllables![2] as unknown as Record<string, unknown>).colour = "red";
      d.schemaVersion = "2.0.0";
      d.tempo = 0;
    });
    const issues = schemaIssues(bad).map((i) => `${i.path}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        "title: is required",
        "duration: must be at least 0",
        expect.stringMatching(/^sections\[1\]\.kind: must be one of "intro"/),
        "sections[1].lines[0].syllables[0].text: must not be empty",
        "sections[1].lines[0].syllables[1].pitch: must be at most 127",
        "sections[1].lines[0].syllables[2].colour: is not a Song Map field",
        expect.stringMatching(/^schemaVersion: must match/),
        "tempo: must be more than 0",
      ]),
    );
    expect(validateSongMap(bad).ok).toBe(false);
  });

  it("caps the length of names and lyrics as the server does", () => {
    const long = edit((d) => {
      d.title = "t".repeat(201);
      d.sections[1]!.name = "🎵".repeat(201); // code points, not UTF-16 units
      d.sections[1]!.lines![0]!.syllables![0]!.chord = "C".repeat(33);
    });
    expect(schemaIssues(long).map((i) => `${i.path}: ${i.message}`)).toEqual([
      "title: must be at most 200 characters",
      "sections[1].name: must be at most 200 characters",
      "sections[1].lines[0].syllables[0].chord: must be at most 32 characters",
    ]);
    expect(schemaIssues(edit((d) => { d.title = "🎵".repeat(200); }))).toEqual([]);
  });

  it("accepts null where the schema allows it and rejects wrong types", () => {
    expect(schemaIssues(edit((d) => { d.key = null; d.album = null; }))).toEqual([]);
    expect(schemaIssues(edit((d) => { (d as unknown as Record<string, unknown>).duration = "long"; }))).toEqual([{ path: "duration", message: "must be a number" }]);
    expect(schemaIssues(edit((d) => { d.timeSignature = { numerator: 4.5, denominator: 4 }; }))).toEqual([{ path: "timeSignature.numerator", message: "must be a whole number" }]);
  });

  it("rejects a broken rule deep inside the song, naming its path", () => {
    const at = "sections[2].lines[1].syllables[0].startTime";
    const negative = edit((d) => { d.sections[2]!.lines![1]!.syllables![0]!.startTime = -0.5; });
    expect(schemaIssues(negative)).toEqual([{ path: at, message: "must be at least 0" }]);
    const missing = edit((d) => { delete (d.sections[2]!.lines![1]!.syllables![0] as Partial<Syllable>).startTime; });
    expect(validateSongMap(missing)).toMatchObject({ ok: false, errors: [{ path: at, message: "is required" }] });
    const provenance = edit((d) => { d.provenance.stages = { beats: { status: "lost" as never, version: 1 } }; });
    expect(schemaIssues(provenance)).toEqual([
      { path: "provenance.stages.beats.status", message: 'must be one of "done", "absent", "failed"' },
    ]);
  });

  it("reports what a nullable field should be, and refuses numbers JSON cannot carry", () => {
    expect(schemaIssues(edit((d) => { (d as unknown as Record<string, unknown>).key = 5; }))).toEqual([{ path: "key", message: "must be a string" }]);
    expect(schemaIssues(edit((d) => { d.tempo = Number.NaN; }))).toEqual([{ path: "tempo", message: "must be a number" }]);
    expect(schemaIssues(edit((d) => { d.beats = [0, Number.POSITIVE_INFINITY]; }))).toEqual([{ path: "beats[1]", message: "must be a number" }]);
    // a field set to undefined is dropped when the song is sent, so it is not an unknown field
    expect(schemaIssues(edit((d) => { (d as unknown as Record<string, unknown>).colour = undefined; }))).toEqual([]);
  });

  it("requires syllables to be sung in reading order", () => {
    const v = validateSongMap(edit((d) => { d.sections[1]!.lines![0]!.syllables![2]!.startTime = 10.2; }));
    expect(v.ok).toBe(false);
    expect(v.errors[0]!.path).toBe("sections[1].lines[0].syllables[2].startTime");
    expect(v.errors[0]!.message).toMatch(/“world” starts at 10\.20 s, before the syllable sung before it/);
  });

  it("mirrors the model's cross-field rules: spans end after they start, lists in time order", () => {
    const v = validateSongMap(edit((d) => {
      d.sections[2]!.endTime = 20;
      d.beats = [0, 0.5, 0.4];
      d.chords![3] = { ...d.chords![3]!, startTime: 30 };
    }));
    const paths = v.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["sections[2].endTime", "beats[2]", "chords[4]"]));
  });

  it("warns (without blocking) about unreadable chords and lines not covering syllables", () => {
    const v = validateSongMap(edit((d) => { d.sections[1]!.lines![0]!.syllables![1]!.chord = "Hmaj"; d.sections[2]!.lines![1]!.endTime = 27.2; }));
    expect(v.ok).toBe(true);
    expect(v.warnings.map((w) => w.path)).toEqual(["sections[1].lines[0].syllables[1].chord", "sections[2].lines[1]"]);
  });

  it("names a path the way an editor reads it", () => {
    expect(describePath(smallSong(), "sections[2].lines[1].syllables[0].startTime")).toBe("Verse 2 · line 2 · syllable 1 · start time");
    expect(describePath(smallSong(), "beats[3]")).toBe("beats[3]");
  });
});
