/**
 * The printable chord sheet: hidden on screen, the only thing printed (print.css). Chords sit
 * above their syllables as on the Living Chart, spelt for the current transposition and capo,
 * so "Print" gives the band exactly the chart the singer sees.
 */
import { memo } from "react";
import type { ChordSpeller } from "../lib/music";
import { keyShortName } from "../lib/music";
import { formatTempo, formatTime } from "../lib/format";
import { chordsInSpan } from "../lib/placement";
import type { SongMap } from "../types/songmap";

function PrintSheetImpl({ song, speller }: { song: SongMap; speller: ChordSpeller }) {
  const key = speller.displayKey ? keyShortName(speller.displayKey) : song.key;
  return (
    <article className="print-sheet" aria-hidden="true">
      <header>
        <h1>{song.title}</h1>
        <p>
          {song.artist}
          {key ? ` · Key ${key}` : ""}
          {song.tempo ? ` · ${formatTempo(song.tempo)}` : ""}
          {song.timeSignature ? ` · ${song.timeSignature.numerator}/${song.timeSignature.denominator}` : ""}
          {` · ${formatTime(song.duration)}`}
        </p>
      </header>
      {song.sections.map((section, s) => (
        <section key={s}>
          <h2>{section.name}</h2>
          {(section.lines ?? []).length === 0 && (
            <p className="prog">{chordsInSpan(song.chords ?? [], section.startTime, section.endTime).map(speller.spell).join("  ")}</p>
          )}
          {(section.lines ?? []).map((line, l) => (
            <p key={l} className="pline">
              {(line.syllables ?? []).map((syl, y) => (
                <span key={y} className="ps">
                  <span className="pc">{syl.chord ? speller.spell(syl.chord) : ""}</span>
                  <span className="pt">{syl.text}{syl.endsWord === false ? "" : "\u00a0"}</span>
                </span>
              ))}
              {!(line.syllables ?? []).length && line.text}
            </p>
          ))}
        </section>
      ))}
    </article>
  );
}

/** Re-rendered only when the song or the spelling changes (it is hidden on screen). */
export const PrintSheet = memo(PrintSheetImpl);
