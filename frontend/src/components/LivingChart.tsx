/**
 * The Living Chart: what a singer reads on stage. The song plays; the current syllable is wiped
 * in time; chords sit above the syllable where they change; the current line is held at a fixed
 * reading position; instrumental passages show their chords and count down to the next line.
 * Transpose and capo, font size and spacing, a dark stage mode, a stems mixer, section loop,
 * slower practice tempo and page-turner keys are all one touch away.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { SongSource } from "../data/source";
import { beatGrid, countIn, downbeatFlags } from "../lib/beats";
import { download } from "../lib/download";
import { chartChordPro, exportFileName, toLrc } from "../lib/export";
import { clock, formatTempo, signed } from "../lib/format";
import { keyShortName, makeSpeller, parseChord } from "../lib/music";
import { allChordSymbols, chordsAtLineStarts } from "../lib/placement";
import { barAt, chordGrid, type GridBar } from "../lib/grid";
import { buildTimeline, findGaps, positionAt, sectionAt } from "../lib/timeline";
import { Player, tracksFor, type PlayerState } from "../player/player";
import type { SongMap } from "../types/songmap";
import { ChartBody } from "./ChartBody";
import { ChordDiagrams } from "./ChordDiagrams";
import { ChordGrid } from "./ChordGrid";
import { PrintSheet } from "./PrintSheet";
import type { ChartSettings, SongSettings } from "./settings";
import { useSongSettings } from "./settings";
import { StemMixer } from "./StemMixer";
import { useChartFrame, type HudRefs } from "./useChartFrame";
import { useStage } from "./useStage";
import "./LivingChart.css";

const RATES = [0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1, 1.1, 1.25];

/** Playing from a setlist: where in it, and the key and capo this set plays the song in. */
export interface SetlistPlay {
  name: string;
  position: number;
  titles: string[];
  view: SongSettings;
  updateView: (patch: Partial<SongSettings>) => void;
  /** Open the set's song at `position`. */
  go: (position: number) => void;
}

interface Props {
  setlist?: SetlistPlay;
  source: SongSource;
  song: SongMap;
  settings: ChartSettings;
  updateSettings: (patch: Partial<ChartSettings>) => void;
  onEdit: () => void;
}

/** A line jump (↑/↓, page-turner pedals) lands this long before the line, to read it coming. */
const LINE_LEAD_S = 0.3;
/** Inputs that are controls, not text fields: the chart's keys go through them. */
const CONTROL_INPUTS = new Set(["range", "checkbox", "radio", "button"]);

export function LivingChart({ setlist, source, song, settings, updateSettings, onEdit }: Props) {
  // In a set, the set's key and capo for this song (changing them changes the set).
  const [ownSettings, updateOwn] = useSongSettings(song.id);
  const songSettings = setlist?.view ?? ownSettings;
  const updateSong = setlist?.updateView ?? updateOwn;
  const index = useMemo(() => buildTimeline(song), [song]);
  const gaps = useMemo(() => findGaps(index, song.duration), [index, song.duration]);
  const grid = useMemo(() => beatGrid(song), [song]);
  const carry = useMemo(() => chordsAtLineStarts(index), [index]);
  const chordSymbols = useMemo(() => allChordSymbols(song), [song]);
  const speller = useMemo(
    () => makeSpeller(song.key, chordSymbols, { transpose: songSettings.transpose, capo: songSettings.capo, simplify: settings.simplifyChords }),
    [song.key, chordSymbols, songSettings.transpose, songSettings.capo, settings.simplifyChords],
  );
  // Each chord once, as the chart shows it, in order of first use (what the diagrams draw).
  const shownChords = useMemo(() => {
    const firstUse = [...(song.chords ?? [])].sort((a, b) => a.startTime - b.startTime).map((c) => c.symbol);
    return [...new Set([...firstUse, ...chordSymbols].map(speller.spell))].filter((c) => c !== "N.C." && parseChord(c));
  }, [song.chords, chordSymbols, speller]);
  const sectionNames = useMemo(() => song.sections.map((s) => s.name), [song.sections]);
  const gridSections = useMemo(() => (grid ? chordGrid(song, grid) : []), [song, grid]);
  const bars = useMemo(() => gridSections.flatMap((s) => s.bars), [gridSections]);
  const barStarts = useMemo(() => Float64Array.from(bars.map((b) => b.start)), [bars]);
  const gridView = settings.view === "grid" && bars.length > 0;

  const audioHost = useRef<HTMLDivElement>(null);
  const viewport = useRef<HTMLDivElement>(null);
  const hud = useRef<HudRefs>({ time: null, seek: null, section: null, bar: null, beats: null, countdown: null, countIn: null });
  const [player, setPlayer] = useState<Player | null>(null);
  const [state, setState] = useState<PlayerState | null>(null);
  const [showHelp, setShowHelp] = useState(false);
  // On a phone the settings and the mixer fold into a drawer (always shown on wider screens).
  const [drawer, setDrawer] = useState(false);

  // One player per song and set of tracks.
  const trackKey = JSON.stringify([song.audio?.src, song.stems?.map((s) => s.src)]);
  useEffect(() => {
    const tracks = tracksFor(song.audio, song.stems, (k) => source.mediaUrl(k));
    if (!tracks.length) {
      setPlayer(null);
      return;
    }
    const p = new Player(tracks, audioHost.current, song.duration);
    setPlayer(p);
    setState(p.getState());
    const unsubscribe = p.subscribe(setState);
    return () => {
      unsubscribe();
      p.dispose();
    };
  }, [trackKey, source]); // eslint-disable-line react-hooks/exhaustive-deps

  const seek = useCallback((t: number) => player?.seek(t), [player]);

  // The recording in the transposed key, when asked for (the shifter loads on first use).
  useEffect(() => {
    if (player) void player.setPitchShift(settings.pitchAudio ? songSettings.transpose : 0);
  }, [player, settings.pitchAudio, songSettings.transpose]);

  // Stage mode: full screen, the screen kept awake, controls hidden until touched.
  const stage = useStage(settings.stageMode, !!state?.playing);
  const toggleStage = useCallback(() => {
    if (settings.stageMode) stage.leaveStage();
    else stage.enterStage();
    updateSettings({ stageMode: !settings.stageMode });
  }, [settings.stageMode, stage, updateSettings]);
  useEffect(() => {
    document.documentElement.classList.toggle("controls-hidden", stage.controlsHidden);
    return () => document.documentElement.classList.remove("controls-hidden");
  }, [stage.controlsHidden]);

  // The metronome clicks on the song's own beats while it plays.
  useEffect(() => {
    if (!player) return;
    player.setMetronome(settings.metronome && grid ? { beats: grid.beats, accents: downbeatFlags(grid) } : null);
    return () => player.setMetronome(null);
  }, [player, grid, settings.metronome]);

  useChartFrame({
    player,
    index,
    gaps,
    grid,
    viewport,
    bodyVersion: useMemo(() => ({ speller, gridView }), [speller, gridView]),
    barStarts: gridView ? barStarts : null,
    hud,
    readingPosition: settings.readingPosition,
    sectionNames,
  });

  // Song Map load → first paint of the chart, for the performance budget (bench.mjs reads it).
  useLayoutEffect(() => {
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        performance.mark("performia:chart-painted");
        try {
          performance.measure("performia:load-to-paint", "performia:song-load-start", "performia:chart-painted");
        } catch {
          /* opened without a load mark (hot reload) */
        }
      }),
    );
  }, []);

  const togglePlay = useCallback(() => {
    if (!player) return;
    const t = player.currentTime;
    player.toggle(settings.countIn && player.master.paused ? countIn(grid, t, player.getState().rate) : undefined);
  }, [player, settings.countIn, grid]);

  const jumpLine = useCallback(
    (delta: number) => {
      if (!player) return;
      // A line jump lands LINE_LEAD_S before the line, still inside the one before it: read the
      // position as of just after that lead-in, or a page-turner pedal would land on the same
      // line every press.
      const pos = positionAt(index, player.currentTime + LINE_LEAD_S + 0.05);
      const starts = Array.from(index.lineStarts).map((s, i) => ({ s, i })).filter(({ i }) => index.lineFirst[i]! >= 0);
      const cur = starts.findIndex(({ i }) => i === pos.line);
      const target = delta > 0 ? starts[cur + 1] : starts[Math.max(0, cur - (player.currentTime - (starts[cur]?.s ?? 0) > 1 ? 0 : 1))];
      if (target) player.seek(Math.max(0, target.s - LINE_LEAD_S));
    },
    [player, index],
  );

  const jumpSection = useCallback(
    (delta: number) => {
      if (!player) return;
      const s = sectionAt(index, player.currentTime + 0.05);
      const into = player.currentTime - (song.sections[s]?.startTime ?? 0);
      const target = delta > 0 ? s + 1 : into > 2 ? s : s - 1;
      // In a set, the pedal goes on to the next song past the last section, and back before the first.
      if (setlist && target >= song.sections.length && setlist.position + 1 < setlist.titles.length) return setlist.go(setlist.position + 1);
      if (setlist && target < 0 && setlist.position > 0) return setlist.go(setlist.position - 1);
      const section = song.sections[Math.max(0, Math.min(song.sections.length - 1, target))];
      if (section) player.seek(section.startTime);
    },
    [player, index, song.sections, setlist],
  );

  const loopSection = useCallback(() => {
    if (!player) return;
    if (player.getState().loop) return player.setLoop(null);
    const s = Math.max(0, sectionAt(index, player.currentTime));
    const section = song.sections[s];
    if (section) player.setLoop({ start: section.startTime, end: section.endTime });
  }, [player, index, song.sections]);

  // A–B loop over any bars: the first press marks the bar playing, the second closes the loop
  // at the end of the bar playing then (either order); with a loop on, a press clears it.
  const [abFrom, setAbFrom] = useState<number | null>(null);
  // The bar playing at t (the first bar before it starts).
  const barBounds = useCallback((t: number): GridBar | null => bars[Math.max(0, barAt(barStarts, t))] ?? null, [bars, barStarts]);
  const loopBars = useCallback(
    (a: GridBar, b: GridBar) => {
      if (!player) return;
      player.setLoop({ start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) });
      setAbFrom(null);
    },
    [player],
  );
  const abLoop = useCallback(() => {
    if (!player) return;
    if (player.getState().loop) {
      player.setLoop(null);
      return setAbFrom(null);
    }
    const here = barBounds(player.currentTime);
    if (!here) return;
    if (abFrom === null) return setAbFrom(here.index);
    loopBars(bars[abFrom]!, here);
  }, [player, barBounds, abFrom, bars, loopBars]);
  const lastBar = useRef<GridBar | null>(null);
  const onBar = useCallback(
    (bar: GridBar, extend: boolean) => {
      if (abFrom !== null) return loopBars(bars[abFrom]!, bar);
      if (extend && lastBar.current) return loopBars(lastBar.current, bar);
      lastBar.current = bar;
      player?.seek(bar.start);
    },
    [abFrom, bars, loopBars, player],
  );

  const transpose = useCallback(
    (d: number) => updateSong({ transpose: ((((songSettings.transpose + d + 6) % 12) + 12) % 12) - 6 }),
    [songSettings.transpose, updateSong],
  );

  // Keyboard and page turners (they send PageUp/PageDown or arrows).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      // Only a field that takes text keeps the keys: a seek bar, slider, select or button the
      // performer touched must not swallow the transport (Space, arrows, PageUp/PageDown).
      const typing =
        target.closest("textarea, [contenteditable]") ||
        (target instanceof HTMLInputElement && !CONTROL_INPUTS.has(target.type));
      if (typing && e.key !== "Escape") return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const actions: Record<string, () => void> = {
        " ": togglePlay,
        k: togglePlay,
        ArrowLeft: () => player?.seek(player.currentTime - 5),
        ArrowRight: () => player?.seek(player.currentTime + 5),
        ArrowUp: () => jumpLine(-1),
        ArrowDown: () => jumpLine(1),
        PageUp: () => jumpSection(-1),
        PageDown: () => jumpSection(1),
        Home: () => player?.seek(0),
        l: loopSection,
        b: abLoop,
        g: () => updateSettings({ view: settings.view === "grid" ? "lyrics" : "grid" }),
        m: () => updateSettings({ metronome: !settings.metronome }),
        "[": () => transpose(-1),
        "]": () => transpose(1),
        d: toggleStage,
        "+": () => updateSettings({ fontSize: Math.min(72, settings.fontSize + 2) }),
        "=": () => updateSettings({ fontSize: Math.min(72, settings.fontSize + 2) }),
        "-": () => updateSettings({ fontSize: Math.max(14, settings.fontSize - 2) }),
        "?": () => setShowHelp((v) => !v),
        Escape: () => setShowHelp(false),
      };
      const action = actions[e.key];
      if (action) {
        e.preventDefault();
        // preventDefault stops a focused control's own handling of the key (a button's Space,
        // a slider's arrows); the blur keeps it from holding the keyboard afterwards.
        if (target instanceof HTMLButtonElement || target instanceof HTMLInputElement || target instanceof HTMLSelectElement) target.blur();
        action();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [togglePlay, player, jumpLine, jumpSection, loopSection, abLoop, transpose, settings, updateSettings, toggleStage]);

  const playing = !!state?.playing || !!state?.countingIn;
  const keyLabel = speller.soundingKey ? keyShortName(speller.soundingKey) : song.key ?? null;
  const shapes = songSettings.capo && speller.displayKey ? keyShortName(speller.displayKey) : null;
  const noLyrics = index.syllables.length === 0;

  return (
    <main
      className={`living-chart${settings.stageMode ? " stage-mode" : ""}${drawer ? " drawer-open" : ""}`}
      style={{ "--chart-font": `${settings.fontSize}px`, "--line-gap": String(settings.lineSpacing) } as React.CSSProperties}
      data-testid="living-chart"
      data-awake={stage.awake || undefined}
    >
      <div className="chart-toolbar" role="toolbar" aria-label="Playback and display">
        <div className="song-id">
          <h1 data-testid="song-title">{song.title}</h1>
          <div className="meta">
            <span>{song.artist}</span>
            {keyLabel && (
              <span data-testid="song-key">
                Key {keyLabel}
                {shapes && <span className="muted"> · capo {songSettings.capo}, shapes in {shapes}</span>}
              </span>
            )}
            {song.tempo ? <span>{formatTempo(song.tempo)}</span> : null}
          </div>
        </div>

        <div className="transport">
          <button className="play" onClick={togglePlay} disabled={!player} data-testid="play-button" aria-label={playing ? "Pause" : "Play"} aria-pressed={playing}>
            {playing ? "❚❚" : "▶"}
          </button>
          <span className="clock">
            <span ref={(el) => void (hud.current.time = el)} data-testid="clock">0:00</span>
            <span className="muted"> / {clock(state?.duration ?? song.duration)}</span>
          </span>
          <input
            ref={(el) => void (hud.current.seek = el)}
            className="seek"
            type="range"
            min={0}
            max={state?.duration ?? song.duration}
            step={0.01}
            defaultValue={0}
            aria-label="Position in the song"
            data-testid="seek"
            onChange={(e) => player?.seek(Number(e.target.value))}
          />
          <button className="controls-toggle ghost" onClick={() => setDrawer((v) => !v)} aria-expanded={drawer} aria-controls="chart-controls" aria-label="Chart settings and mixer" data-testid="controls-toggle">
            ☰
          </button>
        </div>

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
          <button className={state?.loop ? "on" : ""} onClick={loopSection} aria-pressed={!!state?.loop} data-testid="loop" title="Loop the current section (L)">
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
            <button onClick={() => updateSettings({ fontSize: Math.max(14, settings.fontSize - 2) })} aria-label="Smaller text" data-testid="font-smaller">A−</button>
            <button onClick={() => updateSettings({ fontSize: Math.min(72, settings.fontSize + 2) })} aria-label="Larger text" data-testid="font-larger">A+</button>
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
          <button className="ghost" onClick={() => setShowHelp((v) => !v)} aria-label="Keyboard shortcuts">?</button>
        </div>
      </div>

      {setlist && (
        <nav className="setlist-bar" aria-label="Setlist" data-testid="setlist-bar">
          <button className="ghost" onClick={() => setlist.go(setlist.position - 1)} disabled={setlist.position === 0} aria-label="Previous song in the set">‹</button>
          <span>
            <b>{setlist.name}</b> · {setlist.position + 1} of {setlist.titles.length}
          </span>
          {setlist.position + 1 < setlist.titles.length ? (
            <button className="ghost next" onClick={() => setlist.go(setlist.position + 1)} data-testid="set-next">
              Next: {setlist.titles[setlist.position + 1]} ›
            </button>
          ) : (
            <span className="muted">last song</span>
          )}
        </nav>
      )}
      {state?.error && <div className="banner error" role="alert">{state.error}</div>}
      {!player && <div className="banner" role="status">This Song Map has no audio: the chart is shown without playback.</div>}

      <div className="hud" aria-live="off">
        <span className="hud-section" ref={(el) => void (hud.current.section = el)} data-testid="hud-section" />
        {grid && (
          <span className="hud-beat" title={grid.approximate ? "Bars counted from the tempo (approximate)" : "Bar and beat"}>
            bar <b ref={(el) => void (hud.current.bar = el)} data-testid="bar-number">–</b>
            <span className="beats" ref={(el) => void (hud.current.beats = el)} data-testid="beat-indicator">
              {Array.from({ length: grid.beatsPerBar }, (_, i) => <i key={i} />)}
            </span>
          </span>
        )}
        {state?.loop && (
          <span className="hud-loop" data-testid="loop-range">
            ⟲ {clock(state.loop.start)}–{clock(state.loop.end)}
          </span>
        )}
        <span className="hud-countdown" ref={(el) => void (hud.current.countdown = el)} data-testid="countdown" hidden />
        {/* In the HUD, never over the chart: the count-in leads into the line about to be sung. */}
        <span className="count-in" ref={(el) => void (hud.current.countIn = el)} data-testid="count-in-display" aria-live="off" hidden />
        {player && state && state.stems && Object.keys(state.stems).length > 1 && <StemMixer player={player} state={state} />}
      </div>

      {settings.diagrams && <ChordDiagrams symbols={shownChords} instrument={settings.diagrams} onInstrument={(diagrams) => updateSettings({ diagrams })} />}

      <div className="chart-viewport" ref={viewport} data-testid="chart-viewport">
        {noLyrics && (
          <div className="banner" role="status">
            No lyrics in this Song Map{song.provenance.stages?.transcribe?.status === "absent" ? " (transcription did not run)" : ""}: follow the sections and chords.
          </div>
        )}
        {gridView ? (
          <ChordGrid sections={gridSections} speller={speller} beatsPerBar={grid?.beatsPerBar ?? 4} loop={state?.loop ?? null} onBar={onBar} />
        ) : (
          <ChartBody song={song} index={index} gaps={gaps} speller={speller} carry={carry} showCarry={settings.showCarryChords} grid={grid} onSeek={seek} />
        )}
        <div className="chart-end" />
      </div>

      <div ref={audioHost} hidden />
      <PrintSheet song={song} speller={speller} transpose={songSettings.transpose} capo={songSettings.capo} />

      {showHelp && (
        <div className="help-overlay" role="dialog" aria-label="Keyboard shortcuts" onClick={() => setShowHelp(false)}>
          <dl>
            <dt>Space</dt><dd>play / pause</dd>
            <dt>← →</dt><dd>back / forward 5 s</dd>
            <dt>↑ ↓</dt><dd>previous / next line</dd>
            <dt>PageUp PageDown</dt><dd>previous / next section (page turner)</dd>
            <dt>L</dt><dd>loop this section</dd>
            <dt>B</dt><dd>A–B loop over bars (press at the first and the last)</dd>
            <dt>G</dt><dd>chord grid / lyrics</dd>
            <dt>M</dt><dd>metronome on / off</dd>
            <dt>[ ]</dt><dd>transpose down / up</dd>
            <dt>+ −</dt><dd>text size</dd>
            <dt>D</dt><dd>stage mode</dd>
          </dl>
        </div>
      )}
    </main>
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
