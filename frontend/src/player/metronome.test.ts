import { describe, expect, it } from "vitest";
import { Metronome } from "./metronome";

/** An AudioContext stand-in that records when each click starts and whether it was cancelled. */
function fakeContext() {
  const clicks: { when: number; hz: number; cancelled: boolean }[] = [];
  const param = () => ({ value: 0, setValueAtTime() {}, exponentialRampToValueAtTime() {} });
  const ctx = {
    currentTime: 0,
    destination: {},
    createGain: () => ({ gain: param(), connect: (x: unknown) => x }),
    createOscillator: () => {
      const click = { when: 0, hz: 0, cancelled: false };
      const osc = {
        frequency: param(),
        connect: (x: unknown) => x,
        disconnect() {},
        start(when: number) {
          click.when = when;
          click.hz = osc.frequency.value;
          clicks.push(click);
        },
        stop(when?: number) {
          if (when === undefined) click.cancelled = true;
        },
      };
      return osc;
    },
  };
  return { ctx: ctx as unknown as AudioContext, clicks, raw: ctx };
}

describe("Metronome", () => {
  const beats = Float64Array.from({ length: 20 }, (_, i) => i * 0.5);
  const accents = Array.from(beats, (_, i) => i % 4 === 0);

  /** Play from `from` for `seconds` of wall time in 16 ms frames at `rate`. */
  function play(m: Metronome, fake: ReturnType<typeof fakeContext>, from: number, seconds: number, rate = 1, wall0 = 0) {
    for (let w = 0; w <= seconds; w += 0.016) {
      fake.raw.currentTime = wall0 + w + 0.03; // the render clock runs 30 ms ahead of what is heard
      m.tick(fake.ctx, from + w * rate, wall0 + w, rate);
    }
  }

  it("clicks each beat once, on time, accented on downbeats, after the clock settles", () => {
    const fake = fakeContext();
    const m = new Metronome({ beats, accents });
    play(m, fake, 0.9, 2.2);
    const live = fake.clicks.filter((c) => !c.cancelled);
    // Beats at 1.0 (inside the 0.3 s settle) are skipped; 1.5 … 3.0 clicked at wall = beat − 0.9.
    expect(live.map((c) => +(c.when + 0.9).toFixed(3))).toEqual([1.5, 2, 2.5, 3]);
    expect(live.map((c) => c.hz > 1500)).toEqual([false, true, false, false]);
  });

  it("follows a slower tempo", () => {
    const fake = fakeContext();
    const m = new Metronome({ beats, accents });
    play(m, fake, 0.9, 3, 0.5); // song time at half speed: beat 1.5 at wall 1.2; 2.5 scheduled ahead
    expect(fake.clicks.filter((c) => !c.cancelled).map((c) => +c.when.toFixed(3))).toEqual([1.2, 2.2, 3.2]);
  });

  it("cancels what it scheduled when the playhead jumps", () => {
    const fake = fakeContext();
    const m = new Metronome({ beats, accents });
    play(m, fake, 0.9, 1.0); // clicks up to the lookahead past song time 1.9 are scheduled
    const before = fake.clicks.length;
    play(m, fake, 6.0, 0.5, 1, 1.016); // a seek to 6 s
    expect(fake.clicks.slice(0, before).some((c) => c.cancelled)).toBe(true);
    expect(fake.clicks.filter((c) => !c.cancelled).every((c) => c.when < 1.016 || c.when >= 1.016 + 0.3)).toBe(true);
  });
});
