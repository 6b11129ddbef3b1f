import { describe, expect, it } from "vitest";
import guitar from "@tombatossals/chords-db/lib/guitar.json";
import ukulele from "@tombatossals/chords-db/lib/ukulele.json";
import { fingering, simplifyChord } from "./chords";

type Db = Parameters<typeof fingering>[1];

describe("chords", () => {
  it("simplifies sevenths and extensions to triads and slash chords to their root", () => {
    const cases: Record<string, string> = {
      Am7: "Am", Cmaj7: "C", G7: "G", "F#m7b5": "F#dim", "Bb/D": "Bb", Dsus4: "Dsus4", "E7sus4": "Esus4",
      C9: "C", Cadd9: "C", "Cm(maj7)": "Cm", Bbdim7: "Bbdim", "Caug": "Caug", "C+": "Caug", "Ebm9/Gb": "Ebm", "N.C.": "N.C.",
      "F#:min7": "F#m",
    };
    for (const [chord, simple] of Object.entries(cases)) expect(simplifyChord(chord), chord).toBe(simple);
  });

  it("finds guitar and ukulele shapes, falling back to the triad", () => {
    const g = guitar as unknown as Db;
    expect(fingering("C", g)!.position!.frets).toEqual([-1, 3, 2, 0, 1, 0]); // x32010
    expect(fingering("Em", g)!.position!.frets).toEqual([0, 2, 2, 0, 0, 0]);
    const slash = fingering("D/F#", g)!;
    expect(slash.shown).toBe("D");
    expect(slash.bass).toBe("F#");
    const odd = fingering("G7#11b13", g)!;
    expect(odd.shown).toBe("G");
    expect(fingering("Db", g)!.position).not.toBeNull(); // filed under C#
    expect(fingering("N.C.", g)).toBeNull();
    expect(fingering("A", ukulele as unknown as Db)!.position!.frets).toEqual([2, 1, 0, 0]);
  });

  it("gives the chord's notes for the piano", () => {
    const g = guitar as unknown as Db;
    expect(fingering("Am7", g)!.pitchClasses).toEqual([9, 0, 4, 7]); // A C E G
    expect(fingering("C", g)!.pitchClasses).toEqual([0, 4, 7]);
  });
});
