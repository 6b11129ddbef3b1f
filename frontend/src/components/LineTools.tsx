/**
 * Fixing lyric timing in seconds, in the Blueprint View's inspector: put a syllable or a whole
 * line at the playhead, re-time a line by tapping along while it plays (one tap per syllable),
 * and "re-align from here": once one line is right, the rest of the song is aligned to the
 * vocals again, anchored on it. Every fix is one named edit, so undo takes it back.
 */
import { useEffect, useState } from "react";
import type { SongSource } from "../data/source";
import type { Action, At } from "../lib/edits";
import { formatPreciseTime } from "../lib/format";
import type { SongMap } from "../types/songmap";
import type { Player } from "./usePlayer";

/** Seconds of the song played before a line when tapping along, to catch the beat. */
export const TAP_LEAD_S = 2;

export type Notice = { kind: "ok" | "error" | "info"; text: string };

interface Props {
  song: SongMap;
  songId: string;
  at: At;
  apply: (action: Action) => boolean;
  player: Player;
  source: SongSource;
  onNotice: (notice: Notice) => void;
}

interface Tapping {
  section: number;
  line: number;
  count: number;
  taps: number[];
}

const inField = (target: EventTarget | null) => !!(target as HTMLElement | null)?.closest?.("input, textarea, select");

export function LineTools({ song, songId, at, apply, player, source, onNotice }: Props) {
  const [tapping, setTapping] = useState<Tapping | null>(null);
  const [aligning, setAligning] = useState(false);
  const line = song.sections[at.section]?.lines?.[at.line];
  const syllables = line?.syllables ?? [];

  const tap = () => {
    if (!tapping) return;
    const taps = [...tapping.taps, player.now()];
    if (taps.length < tapping.count) {
      setTapping({ ...tapping, taps });
      return;
    }
    player.pause();
    setTapping(null);
    if (apply({ type: "retimeLine", section: tapping.section, line: tapping.line, starts: taps })) {
      onNotice({ kind: "ok", text: `Line re-timed from your ${taps.length} taps (undo to go back).` });
    }
  };

  // While tapping: T (or Enter on the Tap button) marks the next syllable, Escape stops.
  useEffect(() => {
    if (!tapping) return;
    const onKey = (e: KeyboardEvent) => {
      if (inField(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "t" || e.key === "T") {
        e.preventDefault();
        tap();
      } else if (e.key === "Escape") {
        player.pause();
        setTapping(null);
        onNotice({ kind: "info", text: "Tap-along stopped; nothing changed." });
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  if (!line || !syllables.length) return null;
  const syllable = syllables[at.syllable];
  const noAudio = !player.ready;

  const startTapping = () => {
    setTapping({ section: at.section, line: at.line, count: syllables.length, taps: [] });
    const previousEnd = Math.max(0, line.startTime - TAP_LEAD_S);
    player.play(previousEnd);
  };

  const realign = async () => {
    if (!source.realignLyrics) return;
    setAligning(true);
    onNotice({ kind: "info", text: "Re-aligning the lines after this one to the vocals…" });
    try {
      const reply = await source.realignLyrics(songId, song, { section: at.section, line: at.line });
      if (!reply.lines.length) {
        onNotice({ kind: "info", text: "Nothing to re-align: this is the last line with words." });
      } else if (apply({ type: "setLineTimings", lines: reply.lines })) {
        onNotice({ kind: "ok", text: `Re-aligned ${reply.lines.length} line${reply.lines.length === 1 ? "" : "s"} after this one (undo to go back).` });
      }
    } catch (e) {
      onNotice({ kind: "error", text: `Not re-aligned: ${(e as Error).message}` });
    } finally {
      setAligning(false);
    }
  };

  return (
    <div className="line-tools" data-testid="line-tools">
      <h2>Timing</h2>
      <div className="playhead-row">
        Playhead <b data-testid="playhead">{formatPreciseTime(player.time)}</b>
      </div>
      <div className="edit-row">
        <button onClick={() => syllable && apply({ type: "setStart", at, time: player.now() })} disabled={noAudio || !syllable} data-testid="syllable-to-playhead" title="This syllable starts at the playhead">
          Syllable start ← playhead
        </button>
        <button onClick={() => apply({ type: "setLineStart", section: at.section, line: at.line, time: player.now() })} disabled={noAudio} data-testid="line-to-playhead" title="The whole line moves so it starts at the playhead">
          Line start ← playhead
        </button>
        <button onClick={() => player.play(Math.max(0, line.startTime - 0.5), line.endTime + 0.3)} disabled={noAudio} data-testid="play-line">
          ▶ Play line
        </button>
      </div>
      {tapping ? (
        <div className="tap-panel" role="status" data-testid="tap-panel">
          <p>
            Press <kbd>T</kbd> (or the button) as each syllable starts: <b data-testid="tap-count">{tapping.taps.length}</b> of {tapping.count}
            {syllables[tapping.taps.length] ? <> — next “{syllables[tapping.taps.length]!.text}”</> : null}. <kbd>Esc</kbd> stops.
          </p>
          <button className="primary tap-button" onClick={tap} data-testid="tap">
            Tap
          </button>
        </div>
      ) : (
        <div className="edit-row">
          <button onClick={startTapping} disabled={noAudio} data-testid="tap-along" title={`Plays from ${TAP_LEAD_S} s before the line; tap once per syllable`}>
            Tap along
          </button>
          {source.realignLyrics && (
            <button onClick={() => void realign()} disabled={aligning} data-testid="realign-from-here" title="This line is right: align every later line to the vocals again, after it">
              {aligning ? "Re-aligning…" : "Re-align from here"}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
