/**
 * A metronome that follows the song: one click on each of the song's own beats (accented on
 * downbeats) while it plays, so it speeds up and slows down with the band and stays on the
 * beat through a loop, a seek or a slower practice tempo.
 *
 * Clicks are scheduled on the Web Audio clock a little ahead (LOOKAHEAD_S of song time), from
 * the media element's position and the audio clock read in the same frame; on a jump (seek,
 * loop wrap, rate change) the clicks already scheduled are cancelled and scheduling restarts.
 */
import { scheduleClick } from "./clicks";

/** How far ahead of the playhead clicks are scheduled (seconds of wall clock). */
const LOOKAHEAD_S = 0.25;
/** Wall seconds after a start or jump before the element's clock is trusted. */
const SETTLE_S = 0.3;
/** A playhead this far from where it should be has jumped. */
const JUMP_S = 0.15;

export interface MetronomeBeats {
  beats: Float64Array;
  /** True where the beat at the same index is a downbeat. */
  accents: boolean[];
}

export class Metronome {
  private scheduled: { at: number; stop: () => void }[] = [];
  private next = -1;
  private anchoredAt = 0;
  private last: { t: number; wall: number; rate: number } | null = null;

  constructor(
    private readonly beats: MetronomeBeats,
    private readonly level = 0.35,
  ) {}

  /**
   * Schedule the clicks due in the next LOOKAHEAD_S. `t` is the song time heard at `ctxNow`
   * (the audio clock's heard time at the same instant: ahead of it by the output latency is as
   * early as a click can still be scheduled), `rate` the playback rate.
   */
  tick(ctx: AudioContext, t: number, ctxNow: number, rate: number): void {
    const earliest = ctx.currentTime;
    const last = this.last;
    const expected = last ? last.t + (ctxNow - last.wall) * last.rate : t;
    if (!last || Math.abs(expected - t) > JUMP_S || last.rate !== rate) {
      this.reset(t);
      this.anchoredAt = ctxNow;
      this.last = { t, wall: ctxNow, rate };
      return;
    }
    this.last = { t, wall: ctxNow, rate };
    // For a moment after play() or a seek the element reports a position ahead of what is heard
    // (by its start-up latency, about 0.1 s in Chromium): clicks scheduled from it would come
    // early, so the beats in that moment go unclicked.
    if (ctxNow - this.anchoredAt < SETTLE_S) {
      this.skipTo(t + (SETTLE_S - (ctxNow - this.anchoredAt)) * rate);
      return;
    }
    this.scheduled = this.scheduled.filter((c) => c.at > ctxNow - 0.1);
    const { beats, accents } = this.beats;
    const horizon = t + LOOKAHEAD_S * rate;
    while (this.next < beats.length && beats[this.next]! <= horizon) {
      const at = ctxNow + (beats[this.next]! - t) / rate;
      if (at >= earliest - 0.005) this.scheduled.push({ at, stop: scheduleClick(ctx, Math.max(earliest, at), accents[this.next]!, this.level) });
      this.next++;
    }
  }

  /** Cancel the clicks not yet heard and start again from song time `t`. */
  reset(t: number | null = null): void {
    this.scheduled.forEach((c) => c.stop());
    this.scheduled = [];
    this.last = null;
    if (t !== null) this.skipTo(t);
  }

  /** Make the first beat at or after song time `t` the next one to click. */
  private skipTo(t: number): void {
    const { beats } = this.beats;
    let lo = 0;
    let hi = beats.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (beats[mid]! < t - 0.005) lo = mid + 1;
      else hi = mid;
    }
    this.next = lo;
  }
}
