/**
 * How to play each chord of the song: fretboard diagrams for guitar and ukulele, a keyboard for
 * piano, in the spelling the chart shows (so with a capo, the shapes under it). Drawn as SVG by
 * React: a chart renderer library (svguitar) would draw imperatively into the DOM beside React.
 */
import { useEffect, useState } from "react";
import { fingering, loadChordsDb, type Fingering, type Instrument, type Position } from "../lib/chords";
import { pitchClassName } from "../lib/music";

const INSTRUMENTS: { id: Instrument; label: string }[] = [
  { id: "guitar", label: "Guitar" },
  { id: "ukulele", label: "Ukulele" },
  { id: "piano", label: "Piano" },
];

interface Props {
  /** Chords as shown on the chart, each once, in order of first use. */
  symbols: string[];
  instrument: Instrument;
  onInstrument: (instrument: Instrument) => void;
}

export function ChordDiagrams({ symbols, instrument, onInstrument }: Props) {
  const [fingerings, setFingerings] = useState<Fingering[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setFingerings(null);
    // The piano voicing reads the guitar database's notes.
    loadChordsDb(instrument === "ukulele" ? "ukulele" : "guitar").then(
      (db) => live && setFingerings(symbols.map((s) => fingering(s, db)).filter((f): f is Fingering => f !== null)),
      (e: Error) => live && setFailed(`could not load the chord shapes: ${e.message}`),
    );
    return () => {
      live = false;
    };
  }, [instrument, symbols]);

  return (
    <section className="diagrams" aria-label="Chord diagrams" data-testid="chord-diagrams">
      <div className="diagram-instruments" role="radiogroup" aria-label="Instrument">
        {INSTRUMENTS.map((i) => (
          <button key={i.id} role="radio" aria-checked={instrument === i.id} className={instrument === i.id ? "on" : ""} onClick={() => onInstrument(i.id)} data-testid={`instrument-${i.id}`}>
            {i.label}
          </button>
        ))}
      </div>
      {failed && <p className="muted">{failed}</p>}
      {!fingerings && !failed && <p className="muted">Loading shapes…</p>}
      <div className="diagram-list">
        {fingerings?.map((f) => (
          <figure key={f.symbol} className="diagram" data-testid="chord-diagram" data-chord={f.symbol}>
            {instrument === "piano" ? <Keyboard pitchClasses={f.pitchClasses} /> : f.position ? <Fretboard position={f.position} strings={instrument === "ukulele" ? 4 : 6} label={f.symbol} /> : <div className="muted">no shape</div>}
            <figcaption>
              <b>{f.symbol}</b>
              {f.shown !== f.symbol.split("/")[0] && <span className="muted"> as {f.shown}</span>}
              {f.bass && <span className="muted"> · bass {f.bass}</span>}
            </figcaption>
          </figure>
        ))}
      </div>
    </section>
  );
}

const FRETS = 4;

/** A chord box: strings left (lowest) to right, frets down, dots for fingers, x and o above. */
export function Fretboard({ position, strings, label }: { position: Position; strings: number; label: string }) {
  const w = 16 * (strings - 1);
  const h = 18 * FRETS;
  const x = (s: number) => 12 + s * 16;
  const y = (f: number) => 16 + f * 18;
  return (
    <svg viewBox={`0 0 ${w + 30} ${h + 24}`} width={w + 30} height={h + 24} role="img" aria-label={`${label}: ${describe(position)}`} data-testid="fretboard">
      {position.baseFret > 1 && (
        <text x={w + 16} y={y(0.7)} fontSize="9" className="fret-label">{position.baseFret}fr</text>
      )}
      <line x1={x(0)} x2={x(strings - 1)} y1={y(0)} y2={y(0)} strokeWidth={position.baseFret > 1 ? 1 : 3} className="nut" />
      {Array.from({ length: FRETS }, (_, f) => <line key={`f${f}`} x1={x(0)} x2={x(strings - 1)} y1={y(f + 1)} y2={y(f + 1)} className="fret" />)}
      {Array.from({ length: strings }, (_, s) => <line key={`s${s}`} x1={x(s)} x2={x(s)} y1={y(0)} y2={y(FRETS)} className="string" />)}
      {position.barres.map((b) => {
        const on = position.frets.map((f, s) => (f === b ? s : -1)).filter((s) => s >= 0);
        return <rect key={`b${b}`} x={x(Math.min(...on)) - 5} y={y(b - 0.5) - 5} width={x(Math.max(...on)) - x(Math.min(...on)) + 10} height={10} rx={5} className="dot" />;
      })}
      {position.frets.map((f, s) =>
        f < 0 ? (
          <text key={s} x={x(s)} y={9} fontSize="9" textAnchor="middle" className="mark">×</text>
        ) : f === 0 ? (
          <circle key={s} cx={x(s)} cy={6} r={3} className="open" />
        ) : position.barres.includes(f) ? null : (
          <circle key={s} cx={x(s)} cy={y(f - 0.5)} r={5} className="dot" />
        ),
      )}
    </svg>
  );
}

function describe(p: Position): string {
  return p.frets.map((f) => (f < 0 ? "x" : f === 0 ? "0" : String(f + p.baseFret - 1))).join(" ");
}

const WHITE = [0, 2, 4, 5, 7, 9, 11];
const BLACK: [number, number][] = [[1, 0], [3, 1], [6, 3], [8, 4], [10, 5]]; // pitch class, white key it follows

/** Two octaves from C with the chord's notes stacked upward from its root. */
export function Keyboard({ pitchClasses }: { pitchClasses: number[] }) {
  const notes = new Set<number>();
  let last = -1;
  for (const pc of pitchClasses) {
    let n = pc;
    while (n <= last) n += 12;
    if (n < 24) notes.add(n);
    last = n;
  }
  const kw = 11;
  const names = pitchClasses.map((pc) => pitchClassName(pc)).join(" ");
  return (
    <svg viewBox={`0 0 ${kw * 14 + 2} 52`} width={kw * 14 + 2} height={52} role="img" aria-label={`notes ${names}`} data-testid="keyboard">
      {Array.from({ length: 14 }, (_, i) => {
        const n = Math.floor(i / 7) * 12 + WHITE[i % 7]!;
        return <rect key={`w${i}`} x={1 + i * kw} y={1} width={kw} height={50} className={notes.has(n) ? "key white on" : "key white"} data-on={notes.has(n) || undefined} />;
      })}
      {[0, 1].flatMap((o) =>
        BLACK.map(([pc, after]) => {
          const n = o * 12 + pc;
          return <rect key={`b${n}`} x={1 + (o * 7 + after + 1) * kw - 3.5} y={1} width={7} height={31} className={notes.has(n) ? "key black on" : "key black"} data-on={notes.has(n) || undefined} />;
        }),
      )}
    </svg>
  );
}
