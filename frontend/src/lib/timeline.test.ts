import { describe, expect, it } from "vitest";
import { buildTimeline, findGaps, gapAt, lastAtOrBefore, positionAt, sectionAt } from "./timeline";
import { line, section, smallSong, song, syl } from "./testing";

describe("lastAtOrBefore", () => {
  it("finds the last element not after t, with ties resolving to the last", () => {
    const a = [0, 1, 1, 2, 5];
    expect(lastAtOrBefore(a, -0.1)).toBe(-1);
    expect(lastAtOrBefore(a, 0)).toBe(0);
    expect(lastAtOrBefore(a, 1)).toBe(2);
    expect(lastAtOrBefore(a, 4.99)).toBe(3);
    expect(lastAtOrBefore(a, 99)).toBe(4);
    expect(lastAtOrBefore([], 3)).toBe(-1);
  });

  it("agrees with a linear scan on random sorted data", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const a = Array.from({ length: 500 }, () => rand() * 100).sort((x, y) => x - y);
    for (let k = 0; k < 2000; k++) {
      const t = rand() * 110 - 5;
      let linear = -1;
      for (let i = 0; i < a.length; i++) if (a[i]! <= t) linear = i;
      expect(lastAtOrBefore(a, t)).toBe(linear);
    }
  });
});

describe("positionAt", () => {
  const index = buildTimeline(smallSong());

  it("indexes syllables, lines and sections in reading order", () => {
    expect(index.syllables.map((s) => s.text).join(" ")).toBe("Hel lo world sing a song a gain the end");
    expect(Array.from(index.lineOf)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 3, 3]);
    expect(Array.from(index.lineSection)).toEqual([1, 1, 2, 2]);
    expect(index.refs[7]).toEqual({ section: 2, line: 0, syllable: 1 });
    expect(index.ordered).toBe(true);
  });

  it("is before everything until the first syllable starts", () => {
    expect(positionAt(index, 9.99)).toMatchObject({ index: -1, active: false, line: -1, nextStart: 10 });
  });

  it("finds the syllable sung at t with its progress", () => {
    const p = positionAt(index, 10.25);
    expect(p).toMatchObject({ index: 0, active: true, line: 0 });
    expect(p.progress).toBeCloseTo(0.5, 6);
    expect(positionAt(index, 10.5)).toMatchObject({ index: 1, active: true }); // exactly on a start
    expect(positionAt(index, 11.5).index).toBe(2);
  });

  it("keeps the last syllable (fully sung) in the pause after it", () => {
    const p = positionAt(index, 12.5);
    expect(p).toMatchObject({ index: 2, active: false, progress: 1, nextStart: 13 });
  });

  it("handles a zero-length syllable", () => {
    const i = buildTimeline(song([section("A", "verse", 0, 5, [line([syl("x", 1, 0), syl("y", 2, 1)])])]));
    expect(positionAt(i, 1)).toMatchObject({ index: 0, active: false, progress: 1 });
  });

  it("survives syllables out of order (running maximum) and says so", () => {
    const i = buildTimeline(song([section("A", "verse", 0, 9, [line([syl("a", 2, 1), syl("b", 1, 0.5), syl("c", 3, 1)])])]));
    expect(i.ordered).toBe(false);
    expect(Array.from(i.starts)).toEqual([2, 2, 3]);
    expect(positionAt(i, 2.5).index).toBe(1);
  });

  it("looks up 2,000 syllables in well under a microsecond each", () => {
    const syls = Array.from({ length: 2000 }, (_, k) => syl(`s${k}`, k * 0.15, 0.12));
    const lines = [];
    for (let k = 0; k < syls.length; k += 8) lines.push(line(syls.slice(k, k + 8)));
    const big = buildTimeline(song([section("All", "verse", 0, 300, lines)], { duration: 300 }));
    const t0 = performance.now();
    let found = 0;
    for (let k = 0; k < 100_000; k++) found += positionAt(big, (k % 3000) * 0.1).index;
    const perLookupUs = ((performance.now() - t0) * 1000) / 100_000;
    expect(found).toBeGreaterThan(0);
    expect(positionAt(big, 150.01).index).toBe(1000);
    expect(perLookupUs).toBeLessThan(5);
  });
});

describe("sections and gaps", () => {
  const s = smallSong();
  const index = buildTimeline(s);

  it("finds the section sounding at t", () => {
    expect(sectionAt(index, 0)).toBe(0);
    expect(sectionAt(index, 19.9)).toBe(1);
    expect(sectionAt(index, 25)).toBe(2);
  });

  it("finds the intro, the pause between verses and the outro as gaps", () => {
    const gaps = findGaps(index, s.duration, 6);
    expect(gaps).toEqual([
      { start: 0, end: 10, nextLine: 0, previousLine: -1 },
      { start: 15, end: 25, nextLine: 2, previousLine: 1 },
      { start: 29, end: 40, nextLine: -1, previousLine: 3 },
    ]);
    expect(gapAt(gaps, 5)).toBe(0);
    expect(gapAt(gaps, 12)).toBe(-1);
    expect(gapAt(gaps, 24.99)).toBe(1);
    expect(gapAt(gaps, 25)).toBe(-1);
  });
});
