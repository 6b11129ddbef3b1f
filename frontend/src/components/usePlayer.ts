/**
 * The Blueprint View's player: one audio element for the song, its playhead as state, and the
 * moment-exact position (`now()`) that "set to the playhead" and tap-along read, since the
 * element's `timeupdate` event fires only a few times a second.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { SongSource } from "../data/source";
import type { SongMap } from "../types/songmap";

export interface Player {
  /** Whether the song has audio to play. */
  ready: boolean;
  playing: boolean;
  /** The playhead (s), updated while playing and on every seek. */
  time: number;
  /** The playhead right now, read from the element. */
  now(): number;
  /** Play from `start`, stopping at `end` when given. */
  play(start?: number, end?: number): void;
  pause(): void;
  seek(time: number): void;
}

export function usePlayer(source: SongSource, song: SongMap): Player {
  const el = useRef<HTMLAudioElement | null>(null);
  const stopAt = useRef(Infinity);
  const [time, setTime] = useState(0);
  const [playing, setPlaying] = useState(false);
  const src = song.audio ? source.mediaUrl(song.audio.src) : null;

  useEffect(() => {
    if (!src) return;
    const audio = new Audio(src);
    audio.preload = "auto";
    const tick = () => {
      if (audio.currentTime >= stopAt.current) audio.pause();
      setTime(audio.currentTime);
    };
    const onPlay = () => setPlaying(true);
    const onPause = () => {
      setPlaying(false);
      setTime(audio.currentTime);
    };
    audio.addEventListener("timeupdate", tick);
    audio.addEventListener("seeked", tick);
    audio.addEventListener("play", onPlay);
    audio.addEventListener("pause", onPause);
    el.current = audio;
    return () => {
      audio.pause();
      audio.removeEventListener("timeupdate", tick);
      audio.removeEventListener("seeked", tick);
      audio.removeEventListener("play", onPlay);
      audio.removeEventListener("pause", onPause);
      el.current = null;
    };
  }, [src]);

  const now = useCallback(() => el.current?.currentTime ?? 0, []);
  const seek = useCallback((t: number) => {
    const audio = el.current;
    if (!audio) return;
    audio.currentTime = Math.max(0, t);
    setTime(audio.currentTime);
  }, []);
  const play = useCallback((start?: number, end?: number) => {
    const audio = el.current;
    if (!audio) return;
    stopAt.current = end ?? Infinity;
    if (start !== undefined) audio.currentTime = Math.max(0, start);
    void audio.play().catch(() => setPlaying(false));
  }, []);
  const pause = useCallback(() => el.current?.pause(), []);
  return { ready: !!src, playing, time, now, play, pause, seek };
}
