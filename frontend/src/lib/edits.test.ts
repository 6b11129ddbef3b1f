import { describe, expect, it } from "vitest";
import { EditError, followSelection, MIN_DURATION, typedSyllables } from "./edits";
import { canRedo, canUndo, perform, redo, startHistory, undo } from "./history";
import { smallSong } from "./testing";
import { validateSongMap } from "./validate";

const at = (section: number, line: number, syllable: number) => ({ section, line, syllable });

describe("edit actions", () => {
  it("edits a syllable's text and keeps the line text in step", () => {
    const h = perform(startHistory(smallSong()), { type: "setText", at: at(1, 0, 2), text: " earth " });
    const line = h.present.sections[1]!.lines![0]!;
    expect(line.syllables![2]!.text).toBe("earth");
    expect(line.text).toBe("Hello earth");
    expect(() => perform(h, { type: "setText", at: at(1, 0, 2), text: "  " })).toThrow(EditError);
  });

  it("makes typed words and inner hyphens into syllables sharing the time", () => {
    expect(typedSyllables(" flows  sil-ver ")).toEqual([
      { text: "flows", endsWord: true },
      { text: "sil", endsWord: false },
      { text: "ver", endsWord: true },
    ]);
    expect(typedSyllables("-ing")).toEqual([{ text: "-ing", endsWord: true }]);
    const h = perform(startHistory(smallSong()), { type: "setText", at: at(1, 0, 2), text: "big world" }); // 11.2 + 0.8
    const syls = h.present.sections[1]!.lines![0]!.syllables!;
    expect(syls.map((s) => s.text)).toEqual(["Hel", "lo", "big", "world"]);
    expect(syls[2]).toMatchObject({ startTime: 11.2, duration: 0.3, endsWord: true, chord: "G" });
    expect(syls[3]).toMatchObject({ startTime: 11.5, duration: 0.5, endsWord: true, chord: null });
    expect(h.present.sections[1]!.lines![0]!.text).toBe("Hello big world");
    expect(validateSongMap(h.present).errors).toEqual([]);
  });

  it("follows the selected syllable through section splits, merges and line moves", () => {
    const song = smallSong();
    const lines = song.sections[1]!.lines!.length;
    expect(followSelection({ type: "splitSection", section: 1, line: 1 }, at(1, 2, 3), song)).toEqual(at(2, 1, 3));
    expect(followSelection({ type: "splitSection", section: 1, line: 1 }, at(1, 0, 3), song)).toEqual(at(1, 0, 3));
    expect(followSelection({ type: "mergeSections", section: 0 }, at(1, 0, 1), song)).toEqual(at(0, song.sections[0]!.lines!.length, 1));
    expect(followSelection({ type: "moveLine", section: 1, direction: "down" }, at(1, lines - 1, 0), song)).toEqual(at(2, 0, 0));
    expect(followSelection({ type: "merge", at: at(1, 0, 0) }, at(1, 0, 2), song)).toEqual(at(1, 0, 1));
    expect(followSelection({ type: "nudge", at: at(1, 0, 0), delta: 0.01 }, null, song)).toBeNull();
  });

  it("splits a syllable, sharing its time by letters", () => {
    const h = perform(startHistory(smallSong()), { type: "split", at: at(1, 0, 2), offset: 3 }); // "wor|ld" 11.2 + 0.8
    const syls = h.present.sections[1]!.lines![0]!.syllables!;
    expect(syls.map((s) => s.text)).toEqual(["Hel", "lo", "wor", "ld"]);
    expect(syls[2]).toMatchObject({ startTime: 11.2, duration: 0.48, endsWord: false, chord: "G" });
    expect(syls[3]).toMatchObject({ startTime: 11.68, duration: 0.32, endsWord: true, chord: null });
    expect(h.present.sections[1]!.lines![0]!.text).toBe("Hello world");
    expect(() => perform(h, { type: "split", at: at(1, 0, 0), offset: 0 })).toThrow(EditError);
  });

  it("merges a syllable with the next, across a word boundary with a space", () => {
    let h = perform(startHistory(smallSong()), { type: "merge", at: at(1, 0, 0) }); // Hel+lo (same word)
    let syls = h.present.sections[1]!.lines![0]!.syllables!;
    expect(syls[0]).toMatchObject({ text: "Hello", startTime: 10, duration: 1, chord: "C", endsWord: true });
    h = perform(h, { type: "merge", at: at(1, 0, 0) }); // Hello + world (two words)
    syls = h.present.sections[1]!.lines![0]!.syllables!;
    expect(syls).toHaveLength(1);
    expect(syls[0]).toMatchObject({ text: "Hello world", duration: 2, chord: "C" });
    expect(() => perform(h, { type: "merge", at: at(1, 0, 0) })).toThrow(/last syllable/);
  });

  it("nudges timing, clamped between the neighbours", () => {
    let h = perform(startHistory(smallSong()), { type: "nudge", at: at(1, 0, 1), delta: 0.05 });
    expect(h.present.sections[1]!.lines![0]!.syllables![1]).toMatchObject({ startTime: 10.55, duration: 0.5 });
    // Moving "lo" a whole second later stops where "world" starts (11.2): end = 11.2.
    h = perform(h, { type: "nudge", at: at(1, 0, 1), delta: 1 });
    expect(h.present.sections[1]!.lines![0]!.syllables![1]).toMatchObject({ startTime: 10.7, duration: 0.5 });
    // Moving it far earlier stops at the previous syllable's start.
    h = perform(h, { type: "nudge", at: at(1, 0, 1), delta: -5 });
    expect(h.present.sections[1]!.lines![0]!.syllables![1]!.startTime).toBe(10);
    // The end edge cannot make the syllable vanish.
    h = perform(h, { type: "nudge", at: at(1, 0, 1), delta: -9, edge: "end" });
    expect(h.present.sections[1]!.lines![0]!.syllables![1]!.duration).toBeCloseTo(MIN_DURATION, 6);
    expect(validateSongMap(h.present).ok).toBe(true);
  });

  it("moves the line's span with its first syllable", () => {
    const h = perform(startHistory(smallSong()), { type: "nudge", at: at(1, 0, 0), delta: 0.2, edge: "start" });
    expect(h.present.sections[1]!.lines![0]!.startTime).toBe(10.2);
  });

  it("changes and removes chords", () => {
    let h = perform(startHistory(smallSong()), { type: "setChord", at: at(1, 0, 1), chord: " Dm7 " });
    expect(h.present.sections[1]!.lines![0]!.syllables![1]!.chord).toBe("Dm7");
    h = perform(h, { type: "setChord", at: at(1, 0, 1), chord: "" });
    expect(h.present.sections[1]!.lines![0]!.syllables![1]!.chord).toBeNull();
  });

  it("renames, splits, merges and re-bounds sections", () => {
    let h = perform(startHistory(smallSong()), { type: "renameSection", section: 1, name: "Verse One" });
    expect(h.present.sections[1]!.name).toBe("Verse One");
    h = perform(h, { type: "splitSection", section: 1, line: 1, name: "Pre" });
    expect(h.present.sections.map((s) => s.name)).toEqual(["Intro", "Verse One", "Pre", "Verse 2"]);
    expect(h.present.sections[2]).toMatchObject({ startTime: 13, endTime: 20 });
    expect(h.present.sections[1]!.endTime).toBe(13);
    expect(validateSongMap(h.present).ok).toBe(true);
    h = perform(h, { type: "moveLine", section: 3, direction: "up" }); // Verse 2's first line joins "Pre"
    expect(h.present.sections[2]!.lines).toHaveLength(2);
    expect(h.present.sections[3]!.startTime).toBe(27);
    expect(validateSongMap(h.present).ok).toBe(true);
    h = perform(h, { type: "mergeSections", section: 1 });
    expect(h.present.sections.map((s) => s.name)).toEqual(["Intro", "Verse One", "Verse 2"]);
    expect(h.present.sections[1]!.lines!.map((l) => l.text)).toEqual(["Hello world", "sing a song", "a gain"]);
    expect(() => perform(h, { type: "splitSection", section: 0, line: 0 })).toThrow(EditError);
  });

  it("deletes a syllable but keeps its chord change on the next one", () => {
    const h = perform(startHistory(smallSong()), { type: "delete", at: at(1, 0, 0) });
    const syls = h.present.sections[1]!.lines![0]!.syllables!;
    expect(syls[0]).toMatchObject({ text: "lo", chord: "C" });
  });
});

describe("fixing lyric timing: playhead, tap along, re-align", () => {
  const starts = (h: { present: ReturnType<typeof smallSong> }, s: number, l: number) =>
    h.present.sections[s]!.lines![l]!.syllables!.map((y) => y.startTime);

  it("sets a syllable's start to the playhead, keeping its end, within its neighbours", () => {
    const song = smallSong();
    song.sections[1]!.lines![0]!.syllables![2]!.confidence = 0.3;
    let h = perform(startHistory(song), { type: "setStart", at: at(1, 0, 2), time: 11.05 }); // world 11.2-12
    // the user's time is no longer the machine's guess: no confidence left to mark it unsure
    expect(h.present.sections[1]!.lines![0]!.syllables![2]).toMatchObject({ startTime: 11.05, duration: 0.95, confidence: null });
    // past its end the whole syllable moves, stopping before the next one (sing at 13)
    h = perform(h, { type: "setStart", at: at(1, 0, 2), time: 12.5 });
    expect(h.present.sections[1]!.lines![0]!.syllables![2]).toMatchObject({ startTime: 12.05, duration: 0.95 });
    expect(validateSongMap(h.present).ok).toBe(true);
  });

  it("moves a whole line to the playhead and pushes the lines it runs into", () => {
    // "sing a song" (13-15) moved to 26 lands on Verse 2 ("a gain" 25-26.5, "the end" 27-29)
    const h = perform(startHistory(smallSong()), { type: "setLineStart", section: 1, line: 1, time: 26 });
    expect(starts(h, 1, 1)).toEqual([26, 26.6, 27]);
    // the line before it is untouched; the ones after move later just enough, keeping lengths
    expect(starts(h, 1, 0)).toEqual([10, 10.5, 11.2]);
    expect(starts(h, 2, 0)).toEqual([28, 28.5]);
    expect(starts(h, 2, 1)).toEqual([29.5, 29.9]);
    expect(h.present.sections[2]!.lines![1]!.endTime).toBe(31.4);
    // moved earlier, onto the line before: that line's last syllable is cut short
    const back = perform(startHistory(smallSong()), { type: "setLineStart", section: 1, line: 1, time: 11.5 });
    expect(starts(back, 1, 1)).toEqual([11.5, 12.1, 12.5]);
    expect(back.present.sections[1]!.lines![0]!.syllables![2]).toMatchObject({ startTime: 11.2, duration: 0.3 });
    expect(validateSongMap(h.present).ok).toBe(true);
    expect(validateSongMap(back.present).ok).toBe(true);
  });

  it("re-times a line from one tap per syllable, refusing a wrong count or backward taps", () => {
    const h = perform(startHistory(smallSong()), { type: "retimeLine", section: 2, line: 0, starts: [24.8, 25.9] });
    expect(h.present.sections[2]!.lines![0]!.syllables).toMatchObject([
      { startTime: 24.8, duration: 1.1 },
      { startTime: 25.9, duration: 1 },
    ]);
    expect(h.present.sections[2]!.lines![0]!.startTime).toBe(24.8);
    // "gain" now ends at 26.9, and "the" (27) is left alone
    expect(starts(h, 2, 1)).toEqual([27, 27.5]);
    expect(() => perform(h, { type: "retimeLine", section: 2, line: 0, starts: [25] })).toThrow(/2 expected, 1 tapped/);
    expect(() => perform(h, { type: "retimeLine", section: 2, line: 0, starts: [26, 25] })).toThrow(/forward/);
  });

  it("applies a re-align reply as one undoable step, and refuses it after the line changed", () => {
    const song = smallSong();
    const reply = [
      { section: 2, line: 0, syllables: [{ startTime: 30, duration: 0.4, confidence: 0.62 }, { startTime: 30.4, duration: 0.8, confidence: 0.1 }] },
      { section: 2, line: 1, syllables: [{ startTime: 32, duration: 0.3 }, { startTime: 32.4, duration: 1 }] },
    ];
    const h = perform(startHistory(song), { type: "setLineTimings", lines: reply });
    expect(starts(h, 2, 0)).toEqual([30, 30.4]);
    expect(h.present.sections[2]!.lines![0]!.syllables!.map((s) => s.confidence)).toEqual([0.62, 0.1]);
    expect(h.present.sections[2]!.lines![1]!.endTime).toBe(33.4);
    expect(h.past).toHaveLength(1);
    expect(h.past[0]!.label).toBe("re-align 2 lines");
    expect(undo(h).present).toEqual(song);
    const merged = perform(startHistory(song), { type: "merge", at: at(2, 0, 0) });
    expect(() => perform(merged, { type: "setLineTimings", lines: reply })).toThrow(/changed while re-aligning/);
  });
});

describe("undo and redo with patches", () => {
  it("undoes and redoes a sequence of edits exactly", () => {
    const original = smallSong();
    const h0 = startHistory(original);
    const h1 = perform(h0, { type: "setChord", at: at(1, 1, 1), chord: "E7" });
    const h2 = perform(h1, { type: "split", at: at(2, 0, 1), offset: 2 });
    const h3 = perform(h2, { type: "nudge", at: at(1, 0, 2), delta: -0.1 });
    expect(h3.past.map((s) => s.label)).toEqual(["set chord E7", "split syllable", "nudge timing −100 ms"]);
    const u1 = undo(h3);
    expect(u1.present).toEqual(h2.present);
    const u3 = undo(undo(u1));
    expect(u3.present).toEqual(original);
    expect(canUndo(u3)).toBe(false);
    expect(canRedo(u3)).toBe(true);
    const r = redo(redo(redo(u3)));
    expect(r.present).toEqual(h3.present);
    expect(canRedo(r)).toBe(false);
  });

  it("drops the redo branch after a new edit and ignores edits that change nothing", () => {
    const h = perform(startHistory(smallSong()), { type: "renameSection", section: 0, name: "Start" });
    const u = undo(h);
    const n = perform(u, { type: "renameSection", section: 0, name: "Intro" }); // already "Intro"
    expect(n).toBe(u);
    const m = perform(u, { type: "renameSection", section: 0, name: "Opening" });
    expect(m.future).toHaveLength(0);
    expect(undo(startHistory(smallSong())).past).toHaveLength(0);
  });

  it("stores patches, not copies: one chord edit is one small patch", () => {
    const original = smallSong();
    const h = perform(startHistory(original), { type: "setChord", at: at(1, 0, 1), chord: "F" });
    expect(h.past[0]!.patches).toEqual([{ op: "replace", path: ["sections", 1, "lines", 0, "syllables", 1, "chord"], value: "F" }]);
    expect(h.past[0]!.inverse).toEqual([{ op: "replace", path: ["sections", 1, "lines", 0, "syllables", 1, "chord"], value: null }]);
    // The untouched parts are shared with the previous version (structural sharing).
    expect(h.present.sections[2]).toBe(original.sections[2]);
    expect(h.present.sections[1]).not.toBe(original.sections[1]);
  });
});
