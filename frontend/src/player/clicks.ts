/**
 * Metronome clicks on a Web Audio clock. A click scheduled with `osc.start(when)` sounds at that
 * sample, whatever the main thread is doing, which a setTimeout-driven click never would.
 */

/** Accented clicks (a bar's "1") are higher, like a hardware metronome. */
const ACCENT_HZ = 1760;
const BEAT_HZ = 1320;

/** Schedule one short click at `when` (seconds on `ctx`'s clock); returns what cancels it. */
export function scheduleClick(ctx: BaseAudioContext, when: number, accent: boolean, level = 0.5): () => void {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.frequency.value = accent ? ACCENT_HZ : BEAT_HZ;
  gain.gain.setValueAtTime(0.0001, when);
  gain.gain.exponentialRampToValueAtTime(Math.max(0.0002, level), when + 0.002);
  gain.gain.exponentialRampToValueAtTime(0.0001, when + 0.06);
  osc.connect(gain).connect(ctx.destination);
  osc.start(when);
  osc.stop(when + 0.08);
  return () => {
    try {
      osc.stop();
      osc.disconnect();
    } catch {
      /* already played */
    }
  };
}
