/** Mute or solo each stem (vocals, drums, bass, other/accompaniment) while the song plays. */
import type { Player, PlayerState } from "../player/player";

const LABELS: Record<string, string> = { vocals: "Vocals", drums: "Drums", bass: "Bass", other: "Other", accompaniment: "Band", mix: "Mix" };

export function StemMixer({ player, state }: { player: Player; state: PlayerState }) {
  return (
    <div className="mixer" role="group" aria-label="Stems mixer" data-testid="stem-mixer">
      {Object.entries(state.stems).map(([name, s]) => {
        // "M" and "S" are what a mixing desk shows; a screen reader hears "Mute Vocals".
        const label = LABELS[name] ?? name;
        return (
          <div key={name} className={`stem${s.muted ? " muted" : ""}${s.solo ? " solo" : ""}`}>
            <span className="stem-name" aria-hidden="true">{label}</span>
            <button aria-pressed={s.muted} onClick={() => player.setStem(name, { muted: !s.muted })} data-testid={`mute-${name}`} aria-label={`Mute ${label}`} title={`Mute ${label}`}>
              M
            </button>
            <button aria-pressed={s.solo} onClick={() => player.setStem(name, { solo: !s.solo })} data-testid={`solo-${name}`} aria-label={`Solo ${label}`} title={`Solo ${label} (only the soloed stems play)`}>
              S
            </button>
            <input type="range" min={0} max={1} step={0.05} value={s.volume} onChange={(e) => player.setStem(name, { volume: Number(e.target.value) })} aria-label={`${label} volume`} />
          </div>
        );
      })}
    </div>
  );
}
