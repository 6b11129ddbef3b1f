/**
 * The audio engine behind the Living Chart: one HTMLAudioElement for the mix, or one per stem
 * when the Song Map has stems (so vocals, drums, bass and the rest can be muted or soloed), kept
 * in sync with the first one. Media elements rather than decoded Web Audio buffers: they stream
 * a five-minute song without decoding it all first, seek with HTTP Range requests, and slow down
 * without changing pitch (playbackRate + preservesPitch), which a rehearsing singer needs.
 *
 * Time is read from the master element every animation frame by the chart (`currentTime`), and
 * `tick()` in the same frame keeps the other stems within SYNC_TOLERANCE and wraps a loop.
 * The count-in is scheduled on a Web Audio clock so its clicks are exactly in time.
 */

export type StemName = "vocals" | "drums" | "bass" | "other" | "accompaniment";

export interface Track {
  name: StemName | "mix";
  url: string;
}

export interface StemState {
  muted: boolean;
  solo: boolean;
  volume: number;
}

export interface PlayerState {
  playing: boolean;
  /** True between pressing play and the first sung beat while counting in. */
  countingIn: boolean;
  rate: number;
  loop: { start: number; end: number } | null;
  duration: number;
  stems: Record<string, StemState>;
  error: string | null;
}

/** Stems further apart than this are pulled back to the master (seconds). */
export const SYNC_TOLERANCE = 0.04;

/** A loop wraps this close to its end (a frame), so the next section's first syllable never flashes. */
const LOOP_EPSILON = 0.02;

type Listener = (state: PlayerState) => void;

export class Player {
  readonly tracks: Track[];
  readonly elements: HTMLAudioElement[];
  private readonly listeners = new Set<Listener>();
  private state: PlayerState;
  private audioContext: AudioContext | null = null;
  private countInTimer: number | null = null;
  private countInStart = 0;
  private countInBeats: number[] = [];
  private lastSync = 0;
  private disposed = false;

  /**
   * @param tracks the mix, or the stems (the first is the master clock)
   * @param host an element the audio elements are attached to (hidden), so tests and
   *   devtools can find them
   */
  constructor(tracks: Track[], host: HTMLElement | null, duration: number) {
    if (!tracks.length) throw new Error("nothing to play: the Song Map has no audio");
    this.tracks = tracks;
    this.elements = tracks.map((t, i) => {
      const el = document.createElement("audio");
      el.preload = "auto";
      el.src = t.url;
      el.dataset.testid = `audio-${t.name}`;
      el.dataset.role = i === 0 ? "master" : "stem";
      el.preservesPitch = true;
      host?.appendChild(el);
      return el;
    });
    this.state = {
      playing: false,
      countingIn: false,
      rate: 1,
      loop: null,
      duration,
      stems: Object.fromEntries(tracks.map((t) => [t.name, { muted: false, solo: false, volume: 1 }])),
      error: null,
    };
    const master = this.master;
    master.addEventListener("play", () => this.update({ playing: true }));
    master.addEventListener("pause", () => {
      this.elements.forEach((el) => el !== master && el.pause());
      this.update({ playing: false });
    });
    master.addEventListener("ended", () => {
      // A loop that reaches the end of the recording wraps like any other.
      const loop = this.state.loop;
      if (loop) {
        this.seek(loop.start);
        void this.play();
      } else this.update({ playing: false });
    });
    master.addEventListener("loadedmetadata", () => {
      if (Number.isFinite(master.duration) && master.duration > 0) this.update({ duration: master.duration });
    });
    this.elements.forEach((el, i) =>
      el.addEventListener("error", () => {
        const what = tracks[i]!.name === "mix" ? "the audio" : `the ${tracks[i]!.name} stem`;
        this.update({ error: `could not load ${what} (${el.error?.message || "unsupported or missing file"})` });
      }),
    );
  }

  get master(): HTMLAudioElement {
    return this.elements[0]!;
  }

  /** Seconds into the song (the master element's clock). */
  get currentTime(): number {
    return this.master.currentTime;
  }

  getState(): PlayerState {
    return this.state;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private update(patch: Partial<PlayerState>): void {
    if (this.disposed) return;
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((l) => l(this.state));
  }

  async play(): Promise<void> {
    this.cancelCountIn();
    const t = this.master.currentTime;
    this.elements.forEach((el) => {
      if (el !== this.master) el.currentTime = t;
    });
    try {
      await Promise.all(this.elements.map((el) => el.play()));
    } catch (e) {
      if ((e as Error).name !== "AbortError") this.update({ error: `could not start playback: ${(e as Error).message}` });
    }
  }

  pause(): void {
    this.cancelCountIn();
    this.elements.forEach((el) => el.pause());
  }

  toggle(countIn?: number[]): void {
    // The element is the truth: between a loop's wrap and its "play" event the state lags.
    if (!this.master.paused || this.state.countingIn) this.pause();
    else if (countIn?.length) this.playWithCountIn(countIn);
    else void this.play();
  }

  seek(t: number): void {
    const clamped = Math.max(0, Math.min(t, this.state.duration || t));
    this.elements.forEach((el) => {
      el.currentTime = clamped;
    });
  }

  setRate(rate: number): void {
    this.elements.forEach((el) => {
      el.playbackRate = rate;
      el.preservesPitch = true;
    });
    this.update({ rate });
  }

  setLoop(loop: { start: number; end: number } | null): void {
    this.update({ loop });
    if (loop && (this.currentTime < loop.start || this.currentTime >= loop.end)) this.seek(loop.start);
  }

  setStem(name: string, patch: Partial<StemState>): void {
    const stems = { ...this.state.stems, [name]: { ...this.state.stems[name]!, ...patch } };
    const anySolo = Object.values(stems).some((s) => s.solo);
    this.tracks.forEach((t, i) => {
      const s = stems[t.name]!;
      const audible = !s.muted && (!anySolo || s.solo);
      this.elements[i]!.muted = !audible;
      this.elements[i]!.volume = Math.max(0, Math.min(1, s.volume));
    });
    this.update({ stems });
  }

  /**
   * Called once per animation frame with the time just read: wraps the loop and keeps stems in
   * sync (checked at most every 250 ms; a correction is a tiny skip, so it is done rarely).
   */
  tick(t: number, now: number): void {
    const loop = this.state.loop;
    if (loop && this.state.playing && t >= loop.end - LOOP_EPSILON) {
      this.seek(loop.start);
      return;
    }
    if (this.elements.length > 1 && this.state.playing && now - this.lastSync > 250) {
      this.lastSync = now;
      for (let i = 1; i < this.elements.length; i++) {
        const el = this.elements[i]!;
        if (Math.abs(el.currentTime - t) > SYNC_TOLERANCE) el.currentTime = t;
        if (el.paused) void el.play().catch(() => undefined);
      }
    }
  }

  /** Beat of the count-in in progress (1-based) and how far into it, or null. */
  countInPosition(now: number): { beat: number; of: number } | null {
    if (!this.state.countingIn) return null;
    const elapsed = (now - this.countInStart) / 1000;
    let beat = 0;
    while (beat < this.countInBeats.length && this.countInBeats[beat]! <= elapsed) beat++;
    return { beat: Math.max(1, beat), of: this.countInBeats.length };
  }

  /** Click `offsets` (seconds from now, first accented), then play one beat after the last. */
  playWithCountIn(offsets: number[]): void {
    this.cancelCountIn();
    const period = offsets.length > 1 ? offsets[1]! - offsets[0]! : 0.6;
    const total = (offsets[offsets.length - 1] ?? 0) + period;
    try {
      this.audioContext ??= new AudioContext();
      const ctx = this.audioContext;
      void ctx.resume();
      const start = ctx.currentTime + 0.05;
      offsets.forEach((offset, i) => {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = i === 0 ? 1760 : 1320;
        gain.gain.setValueAtTime(0.0001, start + offset);
        gain.gain.exponentialRampToValueAtTime(0.5, start + offset + 0.002);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.06);
        osc.connect(gain).connect(ctx.destination);
        osc.start(start + offset);
        osc.stop(start + offset + 0.08);
      });
    } catch {
      /* no Web Audio: the visual count-in still runs */
    }
    this.countInStart = performance.now() + 50;
    this.countInBeats = offsets;
    this.update({ countingIn: true });
    this.countInTimer = window.setTimeout(() => {
      this.countInTimer = null;
      this.update({ countingIn: false });
      void this.play();
    }, (total + 0.05) * 1000);
  }

  private cancelCountIn(): void {
    if (this.countInTimer !== null) {
      clearTimeout(this.countInTimer);
      this.countInTimer = null;
    }
    if (this.state.countingIn) this.update({ countingIn: false });
  }

  dispose(): void {
    this.cancelCountIn();
    this.elements.forEach((el) => {
      el.pause();
      el.removeAttribute("src");
      el.load();
      el.remove();
    });
    void this.audioContext?.close();
    this.listeners.clear();
    this.disposed = true;
  }
}

/** The tracks to play for a Song Map: its stems when it has any, else its mix. */
export function tracksFor(
  audio: { src: string } | null | undefined,
  stems: readonly { name: StemName; src: string }[] | undefined,
  url: (key: string) => string,
): Track[] {
  if (stems && stems.length) return stems.map((s) => ({ name: s.name, url: url(s.src) }));
  return audio ? [{ name: "mix", url: url(audio.src) }] : [];
}
