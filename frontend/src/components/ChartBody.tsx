/**
 * The chart itself: sections, lines, words and syllables with chords above where they change,
 * and a row for each instrumental passage. Rendered once per song and per transposition — never
 * per frame: the frame loop (useChartFrame) touches only the few elements whose state changes.
 */
import { Fragment, memo } from "react";
import { durationLabel, type BeatGrid } from "../lib/beats";
import type { ChordSpeller } from "../lib/music";
import { chordSegmentAt, isSyllableUnsure, isUnsure, passageChordMarks, unsureNote, unsureSyllableNote, type PassageChord } from "../lib/placement";
import { sectionAt, type Gap, type TimelineIndex } from "../lib/timeline";
import type { ChordSegment, SongMap, Syllable } from "../types/songmap";

interface Props {
  song: SongMap;
  index: TimelineIndex;
  gaps: Gap[];
  speller: ChordSpeller;
  carry: (string | null)[];
  showCarry: boolean;
  /** The beat grid, to say how long each chord of an instrumental passage lasts. */
  grid: BeatGrid | null;
  onSeek: (t: number) => void;
}

interface Word {
  syllables: { syl: Syllable; flat: number }[];
}

function lineWords(syllables: Syllable[], firstFlat: number): Word[] {
  const words: Word[] = [];
  let current: Word = { syllables: [] };
  syllables.forEach((syl, i) => {
    current.syllables.push({ syl, flat: firstFlat + i });
    if (syl.endsWord !== false) {
      words.push(current);
      current = { syllables: [] };
    }
  });
  if (current.syllables.length) words.push(current);
  return words;
}

/** A chord of a passage, marked (dotted, with a note on hover) when the analysis is unsure. */
function GapChord({ chord, speller, grid }: { chord: PassageChord; speller: ChordSpeller; grid: BeatGrid | null }) {
  const unsure = isUnsure(chord.segment);
  const length = grid && chord.start !== undefined && chord.end !== undefined ? durationLabel(grid, chord.start, chord.end) : "";
  return (
    <span className="gap-chord-box">
      <span className={unsure ? "gap-chord unsure" : "gap-chord"} data-testid="gap-chord" title={unsure ? unsureNote(chord.segment!, speller.spell) : undefined}>
        {speller.spell(chord.symbol)}
      </span>
      {length && <small className="gap-length" data-testid="gap-length">{length}</small>}
    </span>
  );
}

/** The chord over a syllable, marked when the segment sounding there is unsure. */
function SyllableChord({ symbol, segment, speller }: { symbol: string; segment: ChordSegment | null; speller: ChordSpeller }) {
  const unsure = isUnsure(segment) && segment!.symbol.trim() === symbol.trim();
  return (
    <span className={unsure ? "ch unsure" : "ch"} data-testid="chord" title={unsure ? unsureNote(segment!, speller.spell) : undefined}>
      {speller.spell(symbol)}
    </span>
  );
}

function GapRow({ gap, gapIndex, chords, speller, grid, onSeek }: { gap: Gap; gapIndex: number; chords: PassageChord[]; speller: ChordSpeller; grid: BeatGrid | null; onSeek: (t: number) => void }) {
  return (
    <div className="gap" data-gap={gapIndex} data-testid="instrumental" onClick={() => onSeek(gap.start)}>
      <span className="gap-label">{gap.previousLine < 0 ? "Intro" : gap.nextLine < 0 ? "Outro" : "Instrumental"}</span>
      <span className="gap-chords">
        {chords.length ? chords.map((c, i) => <GapChord key={i} chord={c} speller={speller} grid={grid} />) : <span className="muted">no chords</span>}
      </span>
      {gap.nextLine >= 0 && (
        <span className="gap-count" aria-live="off">
          next line in <b className="count">{Math.ceil(gap.end - gap.start)}</b> s
        </span>
      )}
    </div>
  );
}

function ChartBodyImpl({ song, index, gaps, speller, carry, showCarry, grid, onSeek }: Props) {
  // Which gaps go where: under the section sounding when the gap starts, after the line sung
  // before it (or at the top of that section).
  const gapsAtTop = new Map<number, number[]>();
  const gapsAfterLine = new Map<number, number[]>();
  gaps.forEach((gap, gi) => {
    const s = Math.max(0, sectionAt(index, gap.start + 1e-6));
    if (gap.previousLine >= 0 && index.lineSection[gap.previousLine] === s) {
      gapsAfterLine.set(gap.previousLine, [...(gapsAfterLine.get(gap.previousLine) ?? []), gi]);
    } else {
      gapsAtTop.set(s, [...(gapsAtTop.get(s) ?? []), gi]);
    }
  });
  const gapRow = (gi: number) => (
    <GapRow key={`gap${gi}`} gap={gaps[gi]!} gapIndex={gi} chords={passageChordMarks(song, index, gaps[gi]!.start, gaps[gi]!.end)} speller={speller} grid={grid} onSeek={onSeek} />
  );
  const chords = song.chords ?? [];

  let lineNo = 0;
  return (
    <div className="chart-body">
      {song.sections.map((section, s) => {
        const lines = section.lines ?? [];
        const top = gapsAtTop.get(s) ?? [];
        const first = lineNo;
        lineNo += lines.length;
        return (
          <section key={s} className={`sec kind-${section.kind ?? "section"}`} data-sec={s}>
            <h2 className="sec-label" data-testid="section-label" onClick={() => onSeek(section.startTime)}>
              {section.name || "Untitled section"}
            </h2>
            {top.map(gapRow)}
            {lines.length === 0 && top.length === 0 && (
              <div className="gap static">
                <span className="gap-chords">
                  {passageChordMarks(song, index, section.startTime, section.endTime).map((c, i) => (
                    <GapChord key={i} chord={c} speller={speller} grid={grid} />
                  ))}
                </span>
              </div>
            )}
            {lines.map((line, l) => {
              const g = first + l;
              const flat = index.lineFirst[g]!;
              const syls = line.syllables ?? [];
              const carried = showCarry && syls.length && !syls[0]!.chord ? carry[g] : null;
              return [
                <div key={`l${g}`} className="line" data-line={g} data-start={index.lineStarts[g]}>
                  {syls.length === 0 ? (
                    <span className="plain">{line.text}</span>
                  ) : (
                    lineWords(syls, flat).map((word, w) => (
                      <Fragment key={w}>
                      <span className="word">
                        {word.syllables.map(({ syl, flat: i }) => (
                          <span
                            key={i}
                            className={syl.endsWord === false ? "syl mid" : "syl"}
                            data-i={i}
                            data-start={index.starts[i]}
                            onClick={() => onSeek(index.starts[i]!)}
                          >
                            {syl.chord ? (
                              <SyllableChord symbol={syl.chord} segment={chordSegmentAt(chords, index.starts[i]!)} speller={speller} />
                            ) : i === flat && carried ? (
                              // The chord still sounding from the line before, dimmed, so a player
                              // who lost their place finds the harmony at the start of every line.
                              <span className="ch carry" data-testid="chord-carry">{speller.spell(carried)}</span>
                            ) : (
                              <span className="ch none" />
                            )}
                            {isSyllableUnsure(syl) ? (
                              <span className="tx unsure" data-testid="syllable-unsure" title={unsureSyllableNote(syl.confidence!, song.lyricsSource)}>
                                {syl.text}
                              </span>
                            ) : (
                              <span className="tx">{syl.text}</span>
                            )}
                          </span>
                        ))}
                      </span>{" "}
                      </Fragment>
                    ))
                  )}
                </div>,
                ...(gapsAfterLine.get(g) ?? []).map(gapRow),
              ];
            })}
          </section>
        );
      })}
    </div>
  );
}

export const ChartBody = memo(ChartBodyImpl);
