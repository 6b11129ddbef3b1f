import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SongMap } from "../types/songmap";
import golden from "./__fixtures__/golden.song_map.json";
import { chartChordPro, exportFileName, lrcTime, roundHalfUp, toChordPro, toLrc, transposeSong, words } from "./export";
import { makeSpeller } from "./music";
import { allChordSymbols } from "./placement";
import { smallSong, syl } from "./testing";

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8");

describe("exports match the Python exporter byte for byte", () => {
  // golden.cho and golden.lrc were written by performia.songmap.export from golden.song_map.json.
  it("ChordPro", () => expect(toChordPro(golden as SongMap)).toBe(fixture("golden.cho")));
  it("LRC", () => expect(toLrc(golden as SongMap)).toBe(fixture("golden.lrc")));
});

describe("rounding like Python's Decimal ROUND_HALF_UP on the shortest repr", () => {
  it("rounds halves up where binary floats would round down", () => {
    expect(roundHalfUp(1.005, 2)).toBe(101);
    expect(roundHalfUp(120.5)).toBe(121);
    expect(roundHalfUp(0.5)).toBe(1);
    expect(roundHalfUp(2.675, 2)).toBe(268);
    expect(roundHalfUp(0.004, 2)).toBe(0);
    expect(roundHalfUp(1e-7, 2)).toBe(0);
    expect(roundHalfUp(-1.5)).toBe(-2);
    expect(roundHalfUp(1e21)).toBe(1e21);
  });

  it("formats LRC times past an hour as minutes", () => {
    expect(lrcTime(3725.456)).toBe("62:05.46");
    expect(lrcTime(0)).toBe("00:00.00");
    expect(lrcTime(-3)).toBe("00:00.00");
  });
});

describe("export details", () => {
  it("groups syllables into words and never drops a dangling syllable", () => {
    const w = words([syl("a", 0, 1, { endsWord: false }), syl("b", 1, 1), syl("c", 2, 1, { endsWord: false })]);
    expect(w.map((x) => x.map((s) => s.text).join(""))).toEqual(["ab", "c"]);
  });

  it("exports the chart as transposed on screen", () => {
    const song = smallSong();
    const speller = makeSpeller(song.key, allChordSymbols(song), { transpose: 2, capo: 0 });
    const cho = toChordPro(transposeSong(song, speller));
    expect(cho).toContain("{key: D}");
    expect(cho).toContain("[D]Hello [A]world");
    expect(cho).toContain("[Bm]sing a song");
    expect(transposeSong(song, makeSpeller(song.key, [], { transpose: 0, capo: 0 }))).toBe(song);
  });

  it("exports capo shapes with the capo named", () => {
    const song = smallSong(); // C major
    const speller = makeSpeller(song.key, allChordSymbols(song), { transpose: 2, capo: 2 });
    const cho = chartChordPro(song, speller, 2);
    expect(cho).toContain("{key: C}\n{capo: 2}");
    expect(cho).toContain("[C]Hello [G]world");
    expect(toChordPro(song)).not.toContain("{capo");
  });

  it("names files safely", () => {
    expect(exportFileName({ ...smallSong(), title: "Café / Night: Mix?" }, "chordpro")).toBe("Cafe-Night-Mix.cho");
    expect(exportFileName({ ...smallSong(), title: "???" }, "lrc")).toBe("test-song.lrc");
  });
});
