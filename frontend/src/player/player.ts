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
import type { CountInPlan } from "../lib/beats";
import { scheduleClick } from "./clicks";
import { Metronome, type MetronomeBeats } from "./metronome";

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
  /** Semitones the audio is shifted by (tempo kept), 0 when not. */
  semitones: number;
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

/**
 * Seconds from play() to a media element's first heard sample before one has been measured:
 * Chromium's audio pipeline takes about 0.1 s (measured here in the browser tests).
 */
const DEFAULT_START_LATENCY = 0.1;
const MAX_START_LATENCY = 0.5;
const LATENCY_KEY = "performia.startLatency";

function storedStartLatency(): number {
  try {
    const v = Number(localStorage.getItem(LATENCY_KEY));
    return v > 0 && v < MAX_START_LATENCY ? v : DEFAULT_START_LATENCY;
  } catch {
    return DEFAULT_START_LATENCY;
  }
}

interface StretchNode extends AudioWorkletNode {
  schedule(change: { active?: boolean; semitones?: number; output?: number }): Promise<unknown>;
  latency(): Promise<number>;
}

interface Shifter {
  node: StretchNode;
  latency: number;
}

/** Every track into one Signalsmith Stretch node (live input mode), out to the speakers. */
async function createShifter(ctx: AudioContext, elements: HTMLAudioElement[]): Promise<Shifter> {
  const { default: SignalsmithStretch } = (await import("signalsmith-stretch")) as unknown as {
    default: ((ctx: AudioContext, options?: AudioWorkletNodeOptions) => Promise<StretchNode>) & { moduleUrl?: string };
  };
  // The worklet is a file of the app (vite's stretch-worklet plugin), not a blob: URL, so a
  // strict Content-Security-Policy allows it.
  SignalsmithStretch.moduleUrl = new URL("worklets/signalsmith-stretch.js", document.baseURI).href;
  const node = await SignalsmithStretch(ctx, { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [2] });
  // The element's volume and mute still apply to what it sends into the graph (the mixer works).
  for (const el of elements) ctx.createMediaElementSource(el).connect(node);
  node.connect(ctx.destination);
  const latency = Number(await node.latency()) || 0;
  return { node, latency };
}

/**
 * A point on `ctx`'s output clock: the context time being heard at a performance.now() instant
 * (its output timestamp; without one, the current time less the output latency, now).
 */
function outputClock(ctx: AudioContext): { contextTime: number; performanceTime: number } {
  const ts = typeof ctx.getOutputTimestamp === "function" ? ctx.getOutputTimestamp() : null;
  if (ts && ts.contextTime && ts.performanceTime) return { contextTime: ts.contextTime, performanceTime: ts.performanceTime };
  return { contextTime: ctx.currentTime - (ctx.outputLatency || ctx.baseLatency || 0), performanceTime: performance.now() };
}

/** The `ctx` time being heard now. */
function heardNow(ctx: AudioContext): number {
  const clock = outputClock(ctx);
  return clock.contextTime + (performance.now() - clock.performanceTime) / 1000;
}

/** performance.now() at which `ctx` time `t` is heard. */
function heardAt(ctx: AudioContext, t: number): number {
  const clock = outputClock(ctx);
  return clock.performanceTime + (t - clock.contextTime) * 1000;
}

export class Player {
  readonly tracks: Track[];
  readonly elements: HTMLAudioElement[];
  private readonly listeners = new Set<Listener>();
  private state: PlayerState;
  private audioContext: AudioContext | null = null;
  private countInTimer: number | null = null;
  private countInStart = 0;
  private countInPlan: CountInPlan | null = null;
  private lastSync = 0;
  private startLatency = storedStartLatency();
  private metronome: Metronome | null = null;
  private shifter: Promise<Shifter> | null = null;
  /** Seconds the pitch shifter delays what is heard (0 when the audio is not routed through it). */
  private shiftDelay = 0;
  private startProbe: { at: number; from: number } | null = null;
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
      semitones: 0,
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

  /**
   * Seconds into the song as heard: the master element's clock, less the pitch shifter's delay
   * when the audio goes through it (the chart and the clicks follow what is heard).
   */
  get currentTime(): number {
    const t = this.master.currentTime;
    return this.shiftDelay && !this.master.paused ? Math.max(0, t - this.shiftDelay * this.state.rate) : t;
  }

  /**
   * Shift the audio by `semitones` keeping its tempo, so a singer rehearses in the transposed
   * key. The first shift routes every track through Signalsmith Stretch (MIT; WASM in an
   * AudioWorklet, loaded then) and the audio stays routed after, shifted by 0 when back home.
   */
  async setPitchShift(semitones: number): Promise<void> {
    if (!semitones && !this.shifter) return;
    try {
      this.audioContext ??= new AudioContext();
      const ctx = this.audioContext;
      void ctx.resume();
      this.shifter ??= createShifter(ctx, this.elements);
      const shifter = await this.shifter;
      shifter.node.schedule({ active: true, semitones });
      this.shiftDelay = shifter.latency;
      this.update({ semitones });
    } catch (e) {
      this.update({ error: `could not shift the audio's pitch in this browser (${(e as Error).message})` });
    }
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
    this.startProbe = { at: performance.now(), from: t };
    if (this.metronome) void this.audioContext?.resume();
    try {
      await Promise.all(this.elements.map((el) => el.play()));
    } catch (e) {
      if ((e as Error).name !== "AbortError") this.update({ error: `could not start playback: ${(e as Error).message}` });
    }
  }

  pause(): void {
    this.cancelCountIn();
    this.metronome?.reset();
    this.elements.forEach((el) => el.pause());
  }

  toggle(countIn?: CountInPlan): void {
    // The element is the truth: between a loop's wrap and its "play" event the state lags.
    if (!this.master.paused || this.state.countingIn) this.pause();
    else if (countIn) this.playWithCountIn(countIn);
    else void this.play();
  }

  seek(t: number): void {
    this.startProbe = null;
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
    this.measureStartLatency(t, now);
    const ctx = this.audioContext;
    if (this.metronome && ctx) {
      if (this.state.playing && !this.master.paused && ctx.state === "running") this.metronome.tick(ctx, t, heardNow(ctx), this.state.rate);
      else this.metronome.reset();
    }
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

  /**
   * How long the element took from play() to its clock moving, measured on each start (0.4 s in,
   * the time played is subtracted from the time elapsed) and remembered, so a count-in presses
   * play that much early.
   */
  private measureStartLatency(t: number, now: number): void {
    const probe = this.startProbe;
    if (!probe || !this.state.playing || now - probe.at < 400) return;
    this.startProbe = null;
    const latency = (now - probe.at) / 1000 - (t - probe.from) / Math.max(0.1, this.state.rate);
    if (!(latency >= 0 && latency < MAX_START_LATENCY)) return;
    this.startLatency = 0.5 * (this.startLatency + latency);
    try {
      localStorage.setItem(LATENCY_KEY, this.startLatency.toFixed(4));
    } catch {
      /* private mode: measured again next time */
    }
  }

  /**
   * Click on `beats` while playing (null: stop). Called from the press that turns it on, so the
   * audio context may start (browsers allow sound only after a gesture).
   */
  setMetronome(beats: MetronomeBeats | null): void {
    this.metronome?.reset();
    this.metronome = beats ? new Metronome(beats) : null;
    if (beats) {
      try {
        this.audioContext ??= new AudioContext();
        void this.audioContext.resume();
      } catch {
        this.update({ error: "this browser cannot play the metronome (no Web Audio)" });
      }
    }
  }

  /** The count-in click sounding now, as the beat of its bar it stands for, or null. */
  countInPosition(now: number): { beat: number; label: number; of: number } | null {
    const plan = this.countInPlan;
    if (!this.state.countingIn || !plan) return null;
    const elapsed = (now - this.countInStart) / 1000;
    let beat = 0;
    while (beat < plan.clicks.length && plan.clicks[beat]! <= elapsed) beat++;
    beat = Math.max(1, beat);
    return { beat, label: plan.labels[beat - 1] ?? beat, of: plan.clicks.length };
  }

  /**
   * Click the plan's count-in, then play from `plan.from` at `plan.startIn`, so the song's next
   * beat follows the clicks in phase. The clicks are on the Web Audio clock; the media element is
   * started by a timer, so when the timer fires late the start position is moved on by as much
   * and the music stays in phase with the clicks already heard.
   */
  playWithCountIn(plan: CountInPlan): void {
    this.cancelCountIn();
    this.seek(plan.from);
    const lead = 0.05;
    // When (performance.now() milliseconds) the music must be heard to follow the clicks.
    let musicAt = performance.now() + (lead + plan.startIn) * 1000;
    try {
      this.audioContext ??= new AudioContext();
      const ctx = this.audioContext;
      void ctx.resume();
      const ctxStart = ctx.currentTime + lead;
      plan.clicks.forEach((offset, i) => scheduleClick(ctx, ctxStart + offset, plan.accent[i]!));
      musicAt = heardAt(ctx, ctxStart + plan.startIn);
    } catch {
      /* no Web Audio: the visual count-in still runs */
    }
    this.countInStart = musicAt - plan.startIn * 1000;
    this.countInPlan = plan;
    this.update({ countingIn: true });
    // Press play early by the element's start-up latency (and the pitch shifter's delay), so its
    // first sample is heard on time.
    const startAt = musicAt - (this.startLatency + this.shiftDelay) * 1000;
    this.countInTimer = window.setTimeout(() => {
      this.countInTimer = null;
      const late = (performance.now() - startAt) / 1000;
      if (late > 0.005) this.seek(plan.from + late * this.state.rate);
      this.update({ countingIn: false });
      void this.play();
    }, Math.max(0, startAt - performance.now()));
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
