/**
 * The printable chord sheet: hidden on screen, the only thing printed (print.css). Chords sit
 * above their syllables as on the Living Chart, spelt for the current transposition and capo,
 * so "Print" gives the band exactly the chart the singer sees.
 */
import { memo } from "react";
import type { ChordSpeller } from "../lib/music";
import { keyShortName, parseKey } from "../lib/music";
import { formatTempo, formatTime, signed } from "../lib/format";
import { chordsInSpan } from "../lib/placement";
import type { SongMap } from "../types/songmap";

interface Props {
  song: SongMap;
  speller: ChordSpeller;
  /** Semitones the chart is transposed by, and the capo fret: the header states both. */
  transpose: number;
  capo: number;
}

function PrintSheetImpl({ song, speller, transpose, capo }: Props) {
  // The key the band hears, then how the chords are written: a bass player reading a capo
  // sheet must not take the shapes for the sounding key.
  const sounding = speller.soundingKey ? keyShortName(speller.soundingKey) : song.key;
  const shapes = capo && speller.displayKey ? keyShortName(speller.displayKey) : null;
  const original = transpose && song.key ? (parseKeyName(song.key) ?? song.key) : null;
  return (
    <article className="print-sheet" aria-hidden="true">
      <header>
        <h1>{song.title}</h1>
        <p>
          {song.artist}
          {sounding ? ` · Key ${sounding}` : ""}
          {original ? ` (transposed ${signed(transpose)} from ${original})` : ""}
          {capo ? ` · Capo ${capo}${shapes ? `: chords are shapes in ${shapes}` : ""}` : ""}
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
                <span key={y} className={syl.endsWord === false ? "ps mid" : "ps"}>
                  <span className="pc">{syl.chord ? speller.spell(syl.chord) : ""}</span>
                  {syl.endsWord === false ? (
                    // Inside a word: a hyphen fills the room a wider chord above leaves, so
                    // "sil-  ver" reads as one word (it takes no room otherwise).
                    <span className="pt mid">{syl.text}<span className="hy">-</span></span>
                  ) : (
                    <span className="pt">{syl.text}{"\u00a0"}</span>
                  )}
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

function parseKeyName(name: string): string | null {
  const key = parseKey(name);
  return key ? keyShortName(key) : null;
}
