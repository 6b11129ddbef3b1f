import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { makeSpeller } from "../lib/music";
import { allChordSymbols, chordsAtLineStarts } from "../lib/placement";
import { smallSong } from "../lib/testing";
import { buildTimeline, findGaps } from "../lib/timeline";
import { ChartBody } from "./ChartBody";

function render(transpose: number, capo = 0, edit?: (song: ReturnType<typeof smallSong>) => void) {
  const song = smallSong();
  edit?.(song);
  const index = buildTimeline(song);
  const speller = makeSpeller(song.key, allChordSymbols(song), { transpose, capo });
  const html = renderToStaticMarkup(
    <ChartBody song={song} index={index} gaps={findGaps(index, song.duration)} speller={speller} carry={chordsAtLineStarts(index)} showCarry grid={null} onSeek={() => {}} />,
  );
  const doc = new DOMParserLite(html);
  return { html, doc };
}

/** Just enough parsing for assertions, without a DOM: attribute/text pairs by test id. */
class DOMParserLite {
  constructor(readonly html: string) {}
  texts(testid: string): string[] {
    const re = new RegExp(`data-testid="${testid}"[^>]*>([^<]*)<`, "g");
    return [...this.html.matchAll(re)].map((m) => m[1]!);
  }
  count(pattern: RegExp): number {
    return [...this.html.matchAll(pattern)].length;
  }
}

describe("ChartBody", () => {
  it("puts each chord over the syllable where it changes, spelt for the transposition", () => {
    expect(render(0).doc.texts("chord")).toEqual(["C", "G", "Am", "F", "C"]);
    expect(render(2).doc.texts("chord")).toEqual(["D", "A", "Bm", "G", "D"]);
    expect(render(0, 3).doc.texts("chord")).toEqual(["A", "E", "F#m", "D", "A"]);
  });

  it("renders one element per syllable with its index and start, words kept together", () => {
    const { doc, html } = render(0);
    expect(doc.count(/class="syl( mid)?" data-i="/g)).toBe(10);
    expect(html).toContain('data-i="7" data-start="25.5"');
    // "Hel" continues into "lo": marked as mid-word.
    expect(html).toMatch(/class="syl mid" data-i="0"/);
  });

  it("shows the chord still sounding at the start of a line without one", () => {
    expect(render(0).doc.texts("chord-carry")).toEqual(["F"]); // "the end" starts while F sounds
  });

  it("marks syllables whose timing (given lyrics) or word (recognised) is unsure", () => {
    const given = render(0, 0, (song) => {
      song.lyricsSource = "given";
      song.sections[1]!.lines![0]!.syllables![2]!.confidence = 0.35; // "world"
      song.sections[1]!.lines![1]!.syllables![0]!.confidence = 0.62; // "sing": sure enough
    });
    expect(given.doc.texts("syllable-unsure")).toEqual(["world"]);
    expect(given.html).toContain('title="Timing unsure (35 % likely within 0.3 s): check it in the Blueprint View"');
    const heard = render(0, 0, (song) => {
      song.lyricsSource = "recognised";
      song.sections[2]!.lines![1]!.syllables![1]!.confidence = 0.2; // "end"
    });
    expect(heard.doc.texts("syllable-unsure")).toEqual(["end"]);
    expect(heard.html).toContain("Word unsure (heard with 20 % confidence)");
    expect(render(0).doc.texts("syllable-unsure")).toEqual([]); // no confidence: nothing marked
  });

  it("marks chords the analysis is unsure of, over syllables and in passages", () => {
    const { html } = render(0, 0, (song) => {
      for (const c of song.chords!) c.confidence = c.symbol === "Am" ? 0.3 : 0.9;
      song.chords!.find((c) => c.symbol === "Am")!.alternative = "C";
    });
    // "Am" is unsure wherever it shows, with a note naming the runner-up; nothing else is.
    expect(html.match(/class="ch unsure"[^>]*>Am</g)).toHaveLength(1);
    expect(html.match(/class="gap-chord unsure"[^>]*>Am</g)).toHaveLength(1);
    expect(html).toContain('title="Unsure chord (30 % confidence); could be C"');
    expect(html.match(/unsure/g)).toHaveLength(2);
    // Without confidences nothing is marked.
    expect(render(0).html).not.toContain("unsure");
  });

  it("adds instrumental rows with their progression and countdown", () => {
    const { doc, html } = render(0);
    expect(doc.count(/data-testid="instrumental"/g)).toBe(3);
    expect(doc.texts("gap-chord")).toEqual(["C", "G", "Am", "G", "C"]);
    expect(html).toMatch(/next line in <b class="count">10<\/b> s/);
  });
});
