import { describe, expect, it } from "vitest";
import {
  guessKey, keyName, keySignature, makeSpeller, parseChord, parseKey, spellPitchClass, noteToString, transposeChord, transposeKey,
} from "./music";

const key = (name: string) => parseKey(name)!;

describe("keys", () => {
  it("parses the names the key engine and people write", () => {
    expect(keyName(key("F major"))).toBe("F major");
    expect(keyName(key("D minor"))).toBe("D minor");
    expect(keyName(key("Bbm"))).toBe("Bb minor");
    expect(keyName(key("f#"))).toBe("F# major");
    expect(parseKey("H dorian")).toBeNull();
    expect(parseKey(null)).toBeNull();
  });

  it("counts key signatures from the written tonic", () => {
    expect(keySignature(key("C"))).toBe(0);
    expect(keySignature(key("F"))).toBe(-1);
    expect(keySignature(key("Gb"))).toBe(-6);
    expect(keySignature(key("F#"))).toBe(6);
    expect(keySignature(key("C#"))).toBe(7);
    expect(keySignature(key("D minor"))).toBe(-1);
    expect(keySignature(key("G# minor"))).toBe(5);
  });

  it("transposes to the conventional key name", () => {
    const names = (from: string, steps: number[]) => steps.map((n) => keyName(transposeKey(key(from), n)));
    expect(names("C", [1, 3, 6, 8, 10])).toEqual(["Db major", "Eb major", "F# major", "Ab major", "Bb major"]);
    expect(names("A minor", [1, 4, 11])).toEqual(["Bb minor", "C# minor", "G# minor"]);
    expect(keyName(transposeKey(key("Gb"), 0))).toBe("Gb major"); // as written when not moved
  });
});

describe("spelling", () => {
  const spell = (pc: number, k: string | null) => noteToString(spellPitchClass(pc, k ? key(k) : null));

  it("spells diatonic notes with one letter each", () => {
    expect([0, 2, 4, 5, 7, 9, 11].map((pc) => spell((pc + 6) % 12, "F#"))).toEqual(["F#", "G#", "A#", "B", "C#", "D#", "E#"]);
    expect([0, 2, 4, 5, 7, 9, 11].map((pc) => spell((pc + 5) % 12, "F"))).toEqual(["F", "G", "A", "Bb", "C", "D", "E"]);
    expect([0, 2, 3, 5, 7, 8, 10].map((pc) => spell((pc + 2) % 12, "D minor"))).toEqual(["D", "E", "F", "G", "A", "Bb", "C"]);
  });

  it("spells borrowed chords as musicians do", () => {
    expect(spell(3, "C")).toBe("Eb"); // bIII
    expect(spell(10, "C")).toBe("Bb"); // bVII
    expect(spell(8, "C")).toBe("Ab"); // bVI
    expect(spell(6, "C")).toBe("F#"); // V/V's third
    expect(spell(1, "C")).toBe("Db"); // Neapolitan
  });

  it("avoids odd enharmonics outside keys that need them", () => {
    expect(spell(5, "E")).toBe("F"); // not E# in E major (E# is not diatonic there)
    expect(spell(4, "Db")).toBe("E"); // not Fb
  });

  it("uses common chart names without a key", () => {
    expect([1, 3, 6, 8, 10].map((pc) => spell(pc, null))).toEqual(["C#", "Eb", "F#", "Ab", "Bb"]);
  });
});

describe("chords", () => {
  it("parses roots, qualities, slash basses and Harte labels", () => {
    expect(parseChord("F#m7")).toMatchObject({ root: { pc: 6 }, quality: "m7", bass: null });
    expect(parseChord("D/F#")).toMatchObject({ root: { pc: 2 }, quality: "", bass: { pc: 6 } });
    expect(parseChord("C6/9")).toMatchObject({ quality: "6/9", bass: null });
    expect(parseChord("Bb:min7")).toMatchObject({ root: { pc: 10 }, quality: "m7" });
    expect(parseChord("N")).toBeNull();
    expect(parseChord("hello!")).toBeNull();
  });

  it("transposes with the spelling of the new key", () => {
    const up = (symbols: string[], n: number, k: string) => symbols.map((s) => transposeChord(s, n, key(k)));
    // C major progression up a fourth to F: the IV is Bb, not A#.
    expect(up(["C", "Am7", "F", "G7", "Em/B"], 5, "F")).toEqual(["F", "Dm7", "Bb", "C7", "Am/E"]);
    // Up a tone from E to F#: the vii° is E#dim in F# major (diatonic there).
    expect(up(["E", "C#m", "D#dim", "B/D#"], 2, "F#")).toEqual(["F#", "D#m", "E#dim", "C#/E#"]);
    // Down a semitone from D to Db: flats throughout.
    expect(up(["D", "Bm", "G", "A7sus4", "D/F#"], -1, "Db")).toEqual(["Db", "Bbm", "Gb", "Ab7sus4", "Db/F"]);
    // Qualities stay exactly as written.
    expect(up(["Cmaj7", "Caug", "Cdim7", "C7b9", "Cadd9", "Csus2"], 3, "Eb")).toEqual(["Ebmaj7", "Ebaug", "Ebdim7", "Eb7b9", "Ebadd9", "Ebsus2"]);
    expect(transposeChord("N", 3, key("Eb"))).toBe("N.C.");
  });

  it("guesses a key from chords when the Song Map has none", () => {
    expect(keyName(guessKey(["G", "D", "Em", "C", "G"])!)).toBe("G major");
    expect(keyName(guessKey(["Am", "F", "C", "G", "Am"])!)).toBe("A minor");
    expect(guessKey(["N"])).toBeNull();
  });
});

describe("makeSpeller (transpose and capo)", () => {
  const chords = ["Eb", "Cm", "Ab", "Bb7"];

  it("keeps the chart as written when nothing moves", () => {
    const s = makeSpeller("Eb major", chords, { transpose: 0, capo: 0 });
    expect(chords.map(s.spell)).toEqual(chords);
    expect(keyName(s.displayKey!)).toBe("Eb major");
  });

  it("shows capo shapes: Eb with capo 3 reads in C", () => {
    const s = makeSpeller("Eb major", chords, { transpose: 0, capo: 3 });
    expect(chords.map(s.spell)).toEqual(["C", "Am", "F", "G7"]);
    expect(keyName(s.displayKey!)).toBe("C major");
    expect(keyName(s.soundingKey!)).toBe("Eb major");
  });

  it("combines transposition and capo", () => {
    const s = makeSpeller("Eb major", chords, { transpose: 2, capo: 2 }); // sounds in F, shapes in Eb
    expect(chords.map(s.spell)).toEqual(chords);
    expect(keyName(s.soundingKey!)).toBe("F major");
    const t = makeSpeller("Eb major", chords, { transpose: 1, capo: 0 });
    expect(chords.map(t.spell)).toEqual(["E", "C#m", "A", "B7"]);
  });

  it("uses a guessed key when the song has none", () => {
    const s = makeSpeller(null, ["A", "E", "F#m", "D"], { transpose: 2, capo: 0 });
    expect(["A", "E", "F#m", "D"].map(s.spell)).toEqual(["B", "F#", "G#m", "E"]);
  });
});
