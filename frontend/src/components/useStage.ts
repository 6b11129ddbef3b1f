/**
 * Stage mode as a performer needs it on a music stand: the whole screen (Fullscreen API), the
 * screen kept awake while the chart is up (Screen Wake Lock API: a tablet that dims mid-song is
 * a lost song), and the controls out of the way until the screen is touched or the mouse moves.
 *
 * The browser grants fullscreen and a wake lock only from a user's press, so both are asked for
 * in `enterStage` (called from the Stage button or the D key), never from an effect. A wake lock
 * is dropped by the browser when the page is hidden; it is asked for again on return.
 */
import { useCallback, useEffect, useRef, useState } from "react";

/** Controls hide after this long without a touch or mouse movement. */
export const CONTROLS_IDLE_MS = 3000;

interface WakeLockSentinelLike {
  release(): Promise<void>;
  addEventListener?(type: "release", listener: () => void): void;
}

function wakeLockApi(): { request(type: "screen"): Promise<WakeLockSentinelLike> } | null {
  const wl = (navigator as Navigator & { wakeLock?: { request(type: "screen"): Promise<WakeLockSentinelLike> } }).wakeLock;
  return wl ?? null;
}

export interface StageState {
  /** True while the controls are hidden (stage mode, playing, untouched for a while). */
  controlsHidden: boolean;
  /** True while the screen is held awake. */
  awake: boolean;
  /** Ask for full screen and a wake lock; call from a press. */
  enterStage: () => void;
  /** Leave full screen and let the screen sleep. */
  leaveStage: () => void;
}

export function useStage(stageMode: boolean, playing: boolean): StageState {
  const lock = useRef<WakeLockSentinelLike | null>(null);
  const [awake, setAwake] = useState(false);
  const [idle, setIdle] = useState(false);

  const requestLock = useCallback(async () => {
    const api = wakeLockApi();
    if (!api || lock.current) return;
    try {
      const sentinel = await api.request("screen");
      lock.current = sentinel;
      setAwake(true);
      sentinel.addEventListener?.("release", () => {
        if (lock.current === sentinel) lock.current = null;
        setAwake(false);
      });
    } catch {
      setAwake(false); // refused (battery saver, no permission): the chart still works
    }
  }, []);

  const enterStage = useCallback(() => {
    const root = document.documentElement;
    if (!document.fullscreenElement && root.requestFullscreen) void root.requestFullscreen({ navigationUI: "hide" }).catch(() => undefined);
    void requestLock();
  }, [requestLock]);

  const leaveStage = useCallback(() => {
    if (document.fullscreenElement && document.exitFullscreen) void document.exitFullscreen().catch(() => undefined);
    const held = lock.current;
    lock.current = null;
    setAwake(false);
    void held?.release().catch(() => undefined);
  }, []);

  // The browser drops the lock when the page is hidden; take it again on return.
  useEffect(() => {
    if (!stageMode) return;
    const onVisible = () => {
      if (document.visibilityState === "visible") void requestLock();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => document.removeEventListener("visibilitychange", onVisible);
  }, [stageMode, requestLock]);

  // Leaving the chart (or stage mode by any route) lets the screen sleep.
  useEffect(() => {
    if (!stageMode) return;
    return () => {
      const held = lock.current;
      lock.current = null;
      void held?.release().catch(() => undefined);
    };
  }, [stageMode]);

  // Controls: hidden after CONTROLS_IDLE_MS untouched while playing on stage; a touch, click or
  // mouse movement shows them again. Keys (a page-turner pedal) do not.
  useEffect(() => {
    if (!stageMode || !playing) {
      setIdle(false);
      return;
    }
    let timer = window.setTimeout(() => setIdle(true), CONTROLS_IDLE_MS);
    const wake = () => {
      setIdle(false);
      clearTimeout(timer);
      timer = window.setTimeout(() => setIdle(true), CONTROLS_IDLE_MS);
    };
    const events = ["pointerdown", "pointermove", "touchstart"] as const;
    events.forEach((e) => window.addEventListener(e, wake, { passive: true }));
    return () => {
      clearTimeout(timer);
      events.forEach((e) => window.removeEventListener(e, wake));
    };
  }, [stageMode, playing]);

  return { controlsHidden: stageMode && playing && idle, awake, enterStage, leaveStage };
}

/**
 * The Stage toggle (button and D key): asks for full screen and the wake lock from the press that
 * turns it on, flips the setting, and hides the page's controls while `useStage` says so.
 */
export function useStageToggle(
  stageMode: boolean,
  playing: boolean,
  updateSettings: (patch: { stageMode: boolean }) => void,
): { awake: boolean; toggleStage: () => void } {
  const stage = useStage(stageMode, playing);
  const toggleStage = useCallback(() => {
    if (stageMode) stage.leaveStage();
    else stage.enterStage();
    updateSettings({ stageMode: !stageMode });
  }, [stageMode, stage, updateSettings]);
  useEffect(() => {
    document.documentElement.classList.toggle("controls-hidden", stage.controlsHidden);
    return () => document.documentElement.classList.remove("controls-hidden");
  }, [stage.controlsHidden]);
  return { awake: stage.awake, toggleStage };
}
