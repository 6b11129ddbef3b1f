/**
 * The heads-up line under the toolbar: section, bar and beat, the loop, the countdown through an
 * instrumental and the count-in, and the stems mixer. Its texts are written by useChartFrame
 * through `hud` every frame, not by React, so a render never runs per frame.
 */
import type { BeatGrid } from "../lib/beats";
import { clock } from "../lib/format";
import type { Player, PlayerState } from "../player/player";
import { StemMixer } from "./StemMixer";
import type { HudRefs } from "./useChartFrame";

interface Props {
  hud: React.RefObject<HudRefs>;
  grid: BeatGrid | null;
  player: Player | null;
  state: PlayerState | null;
}

export function ChartHud({ hud, grid, player, state }: Props) {
  return (
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
  );
}
