/**
 * The Living Chart's audio: one Player per song and set of tracks (the mix or synced stems), its
 * state as React state for the controls, the recording pitch-shifted when asked, and the
 * metronome on the song's own beats. (The Blueprint View's simpler player is usePlayer.ts.)
 */
import { useEffect, useRef, useState } from "react";
import type { SongSource } from "../data/source";
import { downbeatFlags, type BeatGrid } from "../lib/beats";
import { Player, tracksFor, type PlayerState } from "../player/player";
import type { SongMap } from "../types/songmap";

export interface ChartAudio {
  /** The song's player; null when the Song Map has no audio. */
  player: Player | null;
  state: PlayerState | null;
  /** A hidden element the player's audio elements live in. */
  audioHost: React.RefObject<HTMLDivElement | null>;
}

export interface ChartAudioOptions {
  /** Semitones the recording is shifted by (0: as recorded; the shifter loads on first use). */
  pitchShift: number;
  /** Click on these beats while playing (null: no metronome). */
  metronome: BeatGrid | null;
}

export function useChartPlayer(song: SongMap, source: SongSource, { pitchShift, metronome }: ChartAudioOptions): ChartAudio {
  const audioHost = useRef<HTMLDivElement>(null);
  const [player, setPlayer] = useState<Player | null>(null);
  const [state, setState] = useState<PlayerState | null>(null);

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

  useEffect(() => {
    if (player) void player.setPitchShift(pitchShift);
  }, [player, pitchShift]);

  useEffect(() => {
    if (!player) return;
    player.setMetronome(metronome ? { beats: metronome.beats, accents: downbeatFlags(metronome) } : null);
    return () => player.setMetronome(null);
  }, [player, metronome]);

  return { player, state, audioHost };
}
