import { describe, expect, it } from "vitest";
import { defaultSplit, loadHyphenator, splitOffsets, vowelGroupOffsets } from "./syllables";

describe("syllable splits", () => {
  it("cuts at the vowel groups, the last consonant opening the next syllable", () => {
    expect(vowelGroupOffsets("tonight")).toEqual([2]);
    expect(vowelGroupOffsets("cantus")).toEqual([3]);
    expect(vowelGroupOffsets("light")).toEqual([]);
  });

  it("splits at the syllable boundary nearest the middle, never mid-syllable", async () => {
    const en = await loadHyphenator("en");
    expect(en).not.toBeNull();
    const split = (w: string) => { const o = defaultSplit(w, en); return `${w.slice(0, o)}-${w.slice(o)}`; };
    expect(split("tonight")).toBe("to-night"); // no pattern break: vowel groups
    expect(split("silver")).toBe("sil-ver");
    expect(split("morning")).toBe("morn-ing");
    expect(split("walking")).toBe("walk-ing"); // "-ing", as singers read it
    expect(split("heartbeat")).toBe("heart-beat");
    expect(splitOffsets("beautiful", en)).toEqual([4, 6]);
    expect(defaultSplit("xy", en)).toBe(1); // nothing to go on: the middle
  });

  it("has no patterns for a language it does not ship, and still splits by vowels", async () => {
    expect(await loadHyphenator("la")).toBeNull();
    expect(splitOffsets("Dominus", null)).toEqual([2, 4]); // Do-mi-nus
    expect(defaultSplit("Dominus", null)).toBe(4);
  });
});
