/**
 * The Living Chart's toolbar, in its three parts: the song's heading, the transport (play, clock,
 * seek bar, the phone's drawer button) and the controls (key, capo, speed, loops, view, exports),
 * which fold into the drawer on a phone.
 */
import { download } from "../lib/download";
import { chartChordPro, exportFileName, toLrc } from "../lib/export";
import { clock, formatTempo, signed } from "../lib/format";
import { keyShortName, type ChordSpeller } from "../lib/music";
import type { Player, PlayerState } from "../player/player";
import type { SongMap } from "../types/songmap";
import type { ChartSettings, SongView } from "./settings";
import { largerText, smallerText } from "./settings";
import type { HudRefs } from "./useChartFrame";
import type { ChartModel } from "./useChartModel";
import type { BarLoop, Transport } from "./useTransport";

const RATES = [0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1, 1.1, 1.25];

/** Title, artist, the key as it sounds (and the capo shapes), the tempo. */
export function SongHeading({ song, speller, capo }: { song: SongMap; speller: ChordSpeller; capo: number }) {
  const keyLabel = speller.soundingKey ? keyShortName(speller.soundingKey) : song.key ?? null;
  const shapes = capo && speller.displayKey ? keyShortName(speller.displayKey) : null;
  return (
    <div className="song-id">
      <h1 data-testid="song-title">{song.title}</h1>
      <div className="meta">
        <span>{song.artist}</span>
        {keyLabel && (
          <span data-testid="song-key">
            Key {keyLabel}
            {shapes && <span className="muted"> · capo {capo}, shapes in {shapes}</span>}
          </span>
        )}
        {song.tempo ? <span>{formatTempo(song.tempo)}</span> : null}
      </div>
    </div>
  );
}

interface TransportProps {
  player: Player | null;
  state: PlayerState | null;
  /** The Song Map's duration, until the player knows the audio's. */
  duration: number;
  togglePlay: () => void;
  hud: React.RefObject<HudRefs>;
  drawer: boolean;
  toggleDrawer: () => void;
}

/** Play and pause, the clock and seek bar (moved by useChartFrame through `hud`), the drawer button. */
export function TransportBar({ player, state, duration, togglePlay, hud, drawer, toggleDrawer }: TransportProps) {
  const playing = !!state?.playing || !!state?.countingIn;
  return (
    <div className="transport">
      <button className="play" onClick={togglePlay} disabled={!player} data-testid="play-button" aria-label={playing ? "Pause" : "Play"} aria-pressed={playing}>
        {playing ? "❚❚" : "▶"}
      </button>
      <span className="clock">
        <span ref={(el) => void (hud.current.time = el)} data-testid="clock">0:00</span>
        <span className="muted"> / {clock(state?.duration ?? duration)}</span>
      </span>
      <input
        ref={(el) => void (hud.current.seek = el)}
        className="seek"
        type="range"
        min={0}
        max={state?.duration ?? duration}
        step={0.01}
        defaultValue={0}
        aria-label="Position in the song"
        data-testid="seek"
        onChange={(e) => player?.seek(Number(e.target.value))}
      />
      <button className="controls-toggle ghost" onClick={toggleDrawer} aria-expanded={drawer} aria-controls="chart-controls" aria-label="Chart settings and mixer" data-testid="controls-toggle">
        ☰
      </button>
    </div>
  );
}

interface ControlsProps {
  song: SongMap;
  model: Pick<ChartModel, "speller" | "grid" | "bars" | "gridView">;
  songView: SongView & { transpose: (semitones: number) => void };
  settings: ChartSettings;
  updateSettings: (patch: Partial<ChartSettings>) => void;
  player: Player | null;
  state: PlayerState | null;
  transport: Transport;
  barLoop: BarLoop;
  toggleStage: () => void;
  toggleHelp: () => void;
  onEdit: () => void;
}

/** Everything a performer sets: key, capo, speed, loops, view, text, stage mode, print and export. */
export function ChartControls({ song, model, songView, settings, updateSettings, player, state, transport, barLoop, toggleStage, toggleHelp, onEdit }: ControlsProps) {
  const { speller, grid, bars, gridView } = model;
  const { view: songSettings, updateView: updateSong, transpose } = songView;
  const { abFrom, abLoop } = barLoop;
  return (
    <div className="controls" id="chart-controls">
      <div className="group" aria-label="Transpose">
        <button onClick={() => transpose(-1)} data-testid="transpose-down" aria-label="Transpose down a semitone">♭</button>
        <span className="value" data-testid="transpose-value" title="Semitones">{signed(songSettings.transpose)}</span>
        <button onClick={() => transpose(1)} data-testid="transpose-up" aria-label="Transpose up a semitone">♯</button>
        <Toggle on={settings.pitchAudio} onClick={() => updateSettings({ pitchAudio: !settings.pitchAudio })} disabled={!player} testid="pitch-audio" title="Play the recording in the transposed key too (the tempo stays)">
          Audio{settings.pitchAudio && state?.semitones ? ` ${signed(state.semitones)}` : ""}
        </Toggle>
      </div>
      <label className="group">
        Capo
        <select value={songSettings.capo} onChange={(e) => updateSong({ capo: Number(e.target.value) })} data-testid="capo">
          {Array.from({ length: 10 }, (_, i) => (
            <option key={i} value={i}>{i === 0 ? "none" : i}</option>
          ))}
        </select>
      </label>
      <label className="group">
        Speed
        <select value={state?.rate ?? 1} onChange={(e) => player?.setRate(Number(e.target.value))} data-testid="rate">
          {RATES.map((r) => (
            <option key={r} value={r}>{Math.round(r * 100)}%</option>
          ))}
        </select>
      </label>
      <button className={state?.loop ? "on" : ""} onClick={transport.loopSection} aria-pressed={!!state?.loop} data-testid="loop" title="Loop the current section (L)">
        Loop
      </button>
      <Toggle on={!!state?.loop || abFrom !== null} onClick={abLoop} disabled={!bars.length} testid="ab-loop" title="Loop any bars: press at the first bar, again at the last (B); press again to stop">
        {abFrom !== null ? `A: bar ${bars[abFrom]?.number ?? ""} → B?` : "A–B"}
      </Toggle>
      <Toggle on={gridView} onClick={() => updateSettings({ view: settings.view === "grid" ? "lyrics" : "grid" })} disabled={!bars.length} testid="grid-view" title="Chord grid: the song bar by bar (G)">
        Grid
      </Toggle>
      <button className={settings.countIn ? "on" : ""} onClick={() => updateSettings({ countIn: !settings.countIn })} aria-pressed={settings.countIn} data-testid="count-in" title="Count in one bar before playing">
        Count-in
      </button>
      <Toggle on={settings.metronome} onClick={() => updateSettings({ metronome: !settings.metronome })} disabled={!grid} testid="metronome" title={grid ? "Click on every beat while playing, following the song (M)" : "No beats or tempo in this Song Map"}>
        Click
      </Toggle>
      <Toggle on={settings.simplifyChords} onClick={() => updateSettings({ simplifyChords: !settings.simplifyChords })} testid="simplify-chords" title="Simple chords: sevenths and extensions as triads, slash chords on their root">
        Simple
      </Toggle>
      <Toggle on={!!settings.diagrams} onClick={() => updateSettings({ diagrams: settings.diagrams ? null : "guitar" })} testid="show-diagrams" title="Chord diagrams for guitar, ukulele or piano">
        Diagrams
      </Toggle>
      <div className="group" aria-label="Text size">
        <button onClick={() => updateSettings({ fontSize: smallerText(settings.fontSize) })} aria-label="Smaller text" data-testid="font-smaller">A−</button>
        <button onClick={() => updateSettings({ fontSize: largerText(settings.fontSize) })} aria-label="Larger text" data-testid="font-larger">A+</button>
      </div>
      <label className="group">
        Spacing
        <input type="range" min={1.1} max={2.6} step={0.1} value={settings.lineSpacing} onChange={(e) => updateSettings({ lineSpacing: Number(e.target.value) })} aria-label="Line spacing" />
      </label>
      <button className={settings.stageMode ? "on" : ""} onClick={toggleStage} aria-pressed={settings.stageMode} data-testid="stage-mode" title="Stage: full screen, dark and high-contrast, the screen kept awake, controls hidden while playing until touched (D)">
        Stage
      </button>
      <button onClick={() => window.print()} title="Print a chord sheet">Print</button>
      <button
        onClick={() => download(exportFileName(song, "chordpro"), chartChordPro(song, speller, songSettings.capo), "text/plain")}
        title="Download this chart as ChordPro, in the key and capo shown"
        data-testid="chart-export-chordpro"
      >
        ChordPro
      </button>
      <button onClick={() => download(exportFileName(song, "lrc"), toLrc(song), "text/plain")} title="Download the timed lyrics as LRC" data-testid="chart-export-lrc">
        LRC
      </button>
      <button onClick={onEdit} data-testid="edit-button">Edit</button>
      <button className="ghost" onClick={toggleHelp} aria-label="Keyboard shortcuts">?</button>
    </div>
  );
}

/** A toolbar button that is on or off (aria-pressed, and the "on" style). */
function Toggle({ on, onClick, disabled, testid, title, children }: { on: boolean; onClick: () => void; disabled?: boolean; testid: string; title: string; children: React.ReactNode }) {
  return (
    <button className={on ? "on" : ""} onClick={onClick} aria-pressed={on} disabled={disabled} data-testid={testid} title={title}>
      {children}
    </button>
  );
}
