/**
 * The chord grid view: the song bar by bar, four bars a row, each bar's chords with the beats
 * they take (a chord on two beats of four fills half the bar). Rendered once per song and
 * spelling; the frame loop marks the bar playing. Click a bar to play from it; with A–B armed
 * (or Shift held) a second bar closes a loop over the bars between.
 */
import { memo } from "react";
import type { GridBar, GridSection } from "../lib/grid";
import type { ChordSpeller } from "../lib/music";

interface Props {
  sections: GridSection[];
  speller: ChordSpeller;
  beatsPerBar: number;
  loop: { start: number; end: number } | null;
  onBar: (bar: GridBar, extend: boolean) => void;
}

function ChordGridImpl({ sections, speller, beatsPerBar, loop, onBar }: Props) {
  const inLoop = (bar: GridBar) => !!loop && bar.start >= loop.start - 0.02 && bar.end <= loop.end + 0.02;
  return (
    <div className="chord-grid" data-testid="chord-grid">
      {sections.map((section, s) => (
        <section key={s} className={`grid-sec kind-${section.kind}`}>
          <h2 className="sec-label">{section.name || "Untitled section"}</h2>
          <ol className="bars">
            {section.bars.map((bar) => (
              <li
                key={bar.index}
                className={`gbar${bar.pickup ? " pickup" : ""}${inLoop(bar) ? " in-loop" : ""}`}
                data-bar={bar.index}
                data-start={bar.start}
                data-testid="grid-bar"
                onClick={(e) => onBar(bar, e.shiftKey)}
                title={bar.pickup ? "Pickup: play from here" : `Bar ${bar.number}: play from here (Shift: loop to here)`}
              >
                <span className="bar-no">{bar.pickup ? "pickup" : bar.number}</span>
                <span className="cells">
                  {bar.cells.map((cell, c) => (
                    <span key={c} className={cell.symbol ? "cell" : "cell none"} style={{ flexGrow: cell.beats }} data-beats={cell.beats} data-testid="grid-cell">
                      {cell.symbol ? speller.spell(cell.symbol) : "–"}
                      {bar.cells.length > 1 || cell.beats !== beatsPerBar ? <small className="beats-n">{"·".repeat(Math.min(cell.beats, 8))}</small> : null}
                    </span>
                  ))}
                </span>
              </li>
            ))}
          </ol>
        </section>
      ))}
    </div>
  );
}

export const ChordGrid = memo(ChordGridImpl);
