/**
 * The Living Chart's keyboard, which is also the page turner's (pedals send PageUp/PageDown or
 * arrows): each key's action, and which focused elements keep their keys. ShortcutHelp lists them.
 */
import { useEffect } from "react";
import type { ChartSettings } from "./settings";
import { largerText, smallerText } from "./settings";
import type { BarLoop, Transport } from "./useTransport";

/** Inputs that are controls, not text fields: the chart's keys go through them. */
const CONTROL_INPUTS = new Set(["range", "checkbox", "radio", "button"]);

export interface ChartKeyOptions {
  transport: Transport;
  barLoop: BarLoop;
  settings: ChartSettings;
  updateSettings: (patch: Partial<ChartSettings>) => void;
  /** Transpose by semitones. */
  transpose: (semitones: number) => void;
  toggleStage: () => void;
  setShowHelp: React.Dispatch<React.SetStateAction<boolean>>;
}

export function useChartKeys({ transport, barLoop, settings, updateSettings, transpose, toggleStage, setShowHelp }: ChartKeyOptions): void {
  const { togglePlay, seek, seekBy, jumpLine, jumpSection, loopSection } = transport;
  const { abLoop } = barLoop;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      // Only a field that takes text keeps the keys: a seek bar, slider, select or button the
      // performer touched must not swallow the transport (Space, arrows, PageUp/PageDown).
      const typing =
        target.closest("textarea, [contenteditable]") ||
        (target instanceof HTMLInputElement && !CONTROL_INPUTS.has(target.type));
      if (typing && e.key !== "Escape") return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const actions: Record<string, () => void> = {
        " ": togglePlay,
        k: togglePlay,
        ArrowLeft: () => seekBy(-5),
        ArrowRight: () => seekBy(5),
        ArrowUp: () => jumpLine(-1),
        ArrowDown: () => jumpLine(1),
        PageUp: () => jumpSection(-1),
        PageDown: () => jumpSection(1),
        Home: () => seek(0),
        l: loopSection,
        b: abLoop,
        g: () => updateSettings({ view: settings.view === "grid" ? "lyrics" : "grid" }),
        m: () => updateSettings({ metronome: !settings.metronome }),
        "[": () => transpose(-1),
        "]": () => transpose(1),
        d: toggleStage,
        "+": () => updateSettings({ fontSize: largerText(settings.fontSize) }),
        "=": () => updateSettings({ fontSize: largerText(settings.fontSize) }),
        "-": () => updateSettings({ fontSize: smallerText(settings.fontSize) }),
        "?": () => setShowHelp((v) => !v),
        Escape: () => setShowHelp(false),
      };
      const action = actions[e.key];
      if (action) {
        e.preventDefault();
        // preventDefault stops a focused control's own handling of the key (a button's Space,
        // a slider's arrows); the blur keeps it from holding the keyboard afterwards.
        if (target instanceof HTMLButtonElement || target instanceof HTMLInputElement || target instanceof HTMLSelectElement) target.blur();
        action();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [togglePlay, seek, seekBy, jumpLine, jumpSection, loopSection, abLoop, transpose, settings, updateSettings, toggleStage, setShowHelp]);
}
