/**
 * The Living Chart: what a singer reads on stage. The song plays; the current syllable is wiped
 * in time; chords sit above the syllable where they change; the current line is held at a fixed
 * reading position; instrumental passages show their chords and count down to the next line.
 * Transpose and capo, font size and spacing, a dark stage mode, a stems mixer, section loop,
 * slower practice tempo and page-turner keys are all one touch away.
 *
 * This component only composes the steps: the model derived from the Song Map (useChartModel),
 * the audio (useChartPlayer), the transport's actions (useTransport, useBarLoop), stage mode
 * (useStageToggle), the keys (useChartKeys) and the frame loop (useChartFrame), rendered by the
 * toolbar's parts, the HUD, the chart body or grid, and the overlays.
 */
import { useMemo, useRef, useState } from "react";
import type { SongSource } from "../data/source";
import type { SongMap } from "../types/songmap";
import { ChartBody } from "./ChartBody";
import { ChartHud } from "./ChartHud";
import { ChartControls, SongHeading, TransportBar } from "./ChartToolbar";
import { ChordDiagrams } from "./ChordDiagrams";
import { ChordGrid } from "./ChordGrid";
import { PrintSheet } from "./PrintSheet";
import { SetlistBar, type SetlistPlay } from "./SetlistBar";
import { useSongView, type ChartSettings } from "./settings";
import { ShortcutHelp } from "./ShortcutHelp";
import { useChartFrame, useLoadToPaintMark, type HudRefs } from "./useChartFrame";
import { useChartKeys } from "./useChartKeys";
import { useChartModel } from "./useChartModel";
import { useChartPlayer } from "./useChartPlayer";
import { useStageToggle } from "./useStage";
import { useBarLoop, useTransport } from "./useTransport";
import "./LivingChart.css";

export type { SetlistPlay } from "./SetlistBar";

interface Props {
  setlist?: SetlistPlay;
  source: SongSource;
  song: SongMap;
  settings: ChartSettings;
  updateSettings: (patch: Partial<ChartSettings>) => void;
  onEdit: () => void;
}

export function LivingChart({ setlist, source, song, settings, updateSettings, onEdit }: Props) {
  const songView = useSongView(song.id, setlist);
  const model = useChartModel(song, songView.view, settings);
  const { index, gaps, grid, speller, bars, barStarts, gridView } = model;
  const { player, state, audioHost } = useChartPlayer(song, source, {
    pitchShift: settings.pitchAudio ? songView.view.transpose : 0,
    metronome: settings.metronome ? grid : null,
  });
  const { awake, toggleStage } = useStageToggle(settings.stageMode, !!state?.playing, updateSettings);

  const viewport = useRef<HTMLDivElement>(null);
  const hud = useRef<HudRefs>({ time: null, seek: null, section: null, bar: null, beats: null, countdown: null, countIn: null });
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
    sectionNames: model.sectionNames,
  });
  useLoadToPaintMark();

  const transport = useTransport({ player, song, index, grid, withCountIn: settings.countIn, setlist });
  const barLoop = useBarLoop(player, bars, barStarts);
  const [showHelp, setShowHelp] = useState(false);
  useChartKeys({ transport, barLoop, settings, updateSettings, transpose: songView.transpose, toggleStage, setShowHelp });
  // On a phone the settings and the mixer fold into a drawer (always shown on wider screens).
  const [drawer, setDrawer] = useState(false);

  return (
    <main
      className={`living-chart${settings.stageMode ? " stage-mode" : ""}${drawer ? " drawer-open" : ""}`}
      style={{ "--chart-font": `${settings.fontSize}px`, "--line-gap": String(settings.lineSpacing) } as React.CSSProperties}
      data-testid="living-chart"
      data-awake={awake || undefined}
    >
      <div className="chart-toolbar" role="toolbar" aria-label="Playback and display">
        <SongHeading song={song} speller={speller} capo={songView.view.capo} />
        <TransportBar player={player} state={state} duration={song.duration} togglePlay={transport.togglePlay} hud={hud} drawer={drawer} toggleDrawer={() => setDrawer((v) => !v)} />
        <ChartControls
          song={song}
          model={model}
          songView={songView}
          settings={settings}
          updateSettings={updateSettings}
          player={player}
          state={state}
          transport={transport}
          barLoop={barLoop}
          toggleStage={toggleStage}
          toggleHelp={() => setShowHelp((v) => !v)}
          onEdit={onEdit}
        />
      </div>

      {setlist && <SetlistBar setlist={setlist} />}
      {state?.error && <div className="banner error" role="alert">{state.error}</div>}
      {!player && <div className="banner" role="status">This Song Map has no audio: the chart is shown without playback.</div>}

      <ChartHud hud={hud} grid={grid} player={player} state={state} />

      {settings.diagrams && <ChordDiagrams symbols={model.shownChords} instrument={settings.diagrams} onInstrument={(diagrams) => updateSettings({ diagrams })} />}

      <div className="chart-viewport" ref={viewport} data-testid="chart-viewport">
        {index.syllables.length === 0 && (
          <div className="banner" role="status">
            No lyrics in this Song Map{song.provenance.stages?.transcribe?.status === "absent" ? " (transcription did not run)" : ""}: follow the sections and chords.
          </div>
        )}
        {gridView ? (
          <ChordGrid sections={model.gridSections} speller={speller} beatsPerBar={grid?.beatsPerBar ?? 4} loop={state?.loop ?? null} onBar={barLoop.onBar} />
        ) : (
          <ChartBody song={song} index={index} gaps={gaps} speller={speller} carry={model.carry} showCarry={settings.showCarryChords} grid={grid} onSeek={transport.seek} />
        )}
        <div className="chart-end" />
      </div>

      <div ref={audioHost} hidden />
      <PrintSheet song={song} speller={speller} transpose={songView.view.transpose} capo={songView.view.capo} />

      {showHelp && <ShortcutHelp onClose={() => setShowHelp(false)} />}
    </main>
  );
}
