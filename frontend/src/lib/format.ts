/** Small display helpers shared by the views. */

/** 83.4 → "1:23"; negative and missing values → "–". */
export function formatTime(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "–";
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** The playhead as m:ss, where before the start reads 0:00 (a count-in, a loop's lead-in). */
export function clock(seconds: number): string {
  return formatTime(Math.max(0, seconds));
}

/** 83.456 → "1:23.46" (editor precision). */
export function formatPreciseTime(seconds: number): string {
  const cs = Math.round(Math.max(0, seconds) * 100);
  const m = Math.floor(cs / 6000);
  const s = (cs % 6000) / 100;
  return `${m}:${s.toFixed(2).padStart(5, "0")}`;
}

export function formatTempo(bpm: number | null | undefined): string {
  return bpm ? `${Math.round(bpm)} BPM` : "–";
}

/** "+2", "−3", "0" for transposition and nudges. */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "0";
}

/** Seconds to the next line, for the instrumental countdown: "8", then "3.2" close up. */
export function countdown(seconds: number): string {
  if (seconds <= 0) return "0";
  return seconds < 4 ? seconds.toFixed(1) : String(Math.ceil(seconds));
}
