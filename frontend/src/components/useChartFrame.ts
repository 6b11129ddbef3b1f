/**
 * The Living Chart's frame loop: every animation frame it reads the audio clock, finds the
 * syllable by binary search (timeline.ts) and updates only what changed — the current syllable's
 * wipe (one CSS variable), its class when it changes, the line's class and the scroll position
 * when the line changes, and the small HUD texts when their value changes. No React render runs
 * per frame, so a 2,000-syllable chart costs the same per frame as a 20-syllable one.
 */
import { useEffect, useLayoutEffect, useRef } from "react";
import { beatAt, type BeatGrid } from "../lib/beats";
import { clock, countdown } from "../lib/format";
import { barAt } from "../lib/grid";
import { gapAt, positionAt, sectionAt, type Gap, type TimelineIndex } from "../lib/timeline";
import type { Player } from "../player/player";

export interface HudRefs {
  time: HTMLElement | null;
  seek: HTMLInputElement | null;
  section: HTMLElement | null;
  bar: HTMLElement | null;
  beats: HTMLElement | null;
  countdown: HTMLElement | null;
  countIn: HTMLElement | null;
}

export interface FrameOptions {
  player: Player | null;
  index: TimelineIndex;
  gaps: Gap[];
  grid: BeatGrid | null;
  /** The scrolling chart viewport and the body inside it (re-rendered on transposition). */
  viewport: React.RefObject<HTMLElement | null>;
  /** Changes whenever the body re-renders, so element lists are re-collected. */
  bodyVersion: unknown;
  hud: React.RefObject<HudRefs>;
  readingPosition: number;
  /** Names of sections, for the HUD. */
  sectionNames: string[];
  /** Start of each bar of the chord grid when it is shown (null: the lyrics are). */
  barStarts: Float64Array | null;
}

export function useChartFrame(o: FrameOptions): void {
  const opts = useRef(o);
  opts.current = o;

  useEffect(() => {
    const viewport = o.viewport.current;
    if (!viewport) return;
    const syls = Array.from(viewport.querySelectorAll<HTMLElement>(".syl[data-i]"));
    const lines = new Map<number, HTMLElement>();
    viewport.querySelectorAll<HTMLElement>(".line[data-line]").forEach((el) => lines.set(Number(el.dataset.line), el));
    const gapEls = new Map<number, HTMLElement>();
    viewport.querySelectorAll<HTMLElement>(".gap[data-gap]").forEach((el) => gapEls.set(Number(el.dataset.gap), el));
    const lineCount = o.index.lines.length;
    const barEls = Array.from(viewport.querySelectorAll<HTMLElement>(".gbar[data-bar]"));
    let curBar = -1;
    const reduceMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;

    let curSyl = -1;
    let curLine = -1;
    let pastUpTo = 0; // lines [0, pastUpTo) carry .past
    let curGap = -1;
    let lastP = -1;
    let lastTimeText = "";
    let lastSeek = -1;
    let lastSection = -2;
    let lastBar = "";
    let lastBeat = -1;
    let lastCount = "";
    let lastCountIn = "";
    let lastScrollTarget: HTMLElement | null = null;
    let userScrollUntil = 0;
    let raf = 0;

    const onUserScroll = () => {
      userScrollUntil = performance.now() + 2500;
    };
    viewport.addEventListener("wheel", onUserScroll, { passive: true });
    viewport.addEventListener("touchmove", onUserScroll, { passive: true });

    const scrollTo = (el: HTMLElement, force: boolean) => {
      if (el === lastScrollTarget && !force) return;
      lastScrollTarget = el;
      if (!force && performance.now() < userScrollUntil) return;
      const top = el.offsetTop - viewport.clientHeight * opts.current.readingPosition;
      viewport.scrollTo({ top: Math.max(0, top), behavior: reduceMotion || force ? "auto" : "smooth" });
    };

    // Text size or line spacing changed the layout: bring the line being read back to the
    // reading position at once (it would otherwise drift out of view until the next line).
    const relayout = new ResizeObserver(() => {
      if (lastScrollTarget) scrollTo(lastScrollTarget, true);
    });
    for (const child of Array.from(viewport.children)) relayout.observe(child);

    const setPast = (upTo: number) => {
      if (upTo > pastUpTo) for (let l = pastUpTo; l < upTo; l++) lines.get(l)?.classList.add("past");
      else for (let l = upTo; l < pastUpTo; l++) lines.get(l)?.classList.remove("past");
      pastUpTo = upTo;
    };

    const frame = (now: number) => {
      raf = requestAnimationFrame(frame);
      const { player, index, gaps, grid, hud, barStarts } = opts.current;
      if (!player) return;
      const t = player.currentTime;
      player.tick(t, now);
      const pos = positionAt(index, t);
      const jumped = Math.abs(t - lastSeek) > 1.5; // a seek, not playback
      lastSeek = t;

      // Chord grid: mark the bar playing and keep its row at the reading position.
      if (barStarts && barEls.length) {
        const bar = barAt(barStarts, t);
        if (bar !== curBar) {
          // An attribute React does not own: a re-render (the loop changed) keeps it.
          barEls[curBar]?.removeAttribute("aria-current");
          const el = barEls[bar];
          el?.setAttribute("aria-current", "true");
          if (el && (curBar < 0 || el.offsetTop !== barEls[curBar]?.offsetTop)) scrollTo(el, jumped);
          curBar = bar;
        }
      }

      // Line: classes and scroll.
      if (pos.line !== curLine) {
        if (curLine >= 0) {
          const old = lines.get(curLine);
          old?.classList.remove("cur");
          old?.querySelectorAll(".sung").forEach((e) => e.classList.remove("sung"));
        }
        curLine = pos.line;
        setPast(Math.max(0, Math.min(lineCount, curLine)));
        const el = lines.get(curLine);
        if (el) {
          el.classList.add("cur");
          if (curGap < 0) scrollTo(el, jumped);
        }
      }

      // Syllable: the current one, the ones already sung in this line, and the wipe.
      if (pos.index !== curSyl) {
        const old = syls[curSyl];
        if (old) {
          old.classList.remove("now");
          old.removeAttribute("data-testid");
          old.style.removeProperty("--p");
        }
        curSyl = pos.index;
        const el = syls[curSyl];
        if (el) {
          el.classList.add("now");
          el.setAttribute("data-testid", "current-syllable");
          const first = index.lineFirst[curLine] ?? 0;
          const count = index.lines[curLine]?.syllables?.length ?? 0;
          for (let i = first; i < first + count; i++) syls[i]?.classList.toggle("sung", i < curSyl);
        }
        lastP = -1;
      }
      const el = syls[curSyl];
      if (el) {
        const p = pos.active ? pos.progress : 1;
        if (Math.abs(p - lastP) > 0.004) {
          el.style.setProperty("--p", p.toFixed(3));
          lastP = p;
        }
      }

      // Instrumental passage: highlight, countdown to the next line, keep it in view.
      const g = gapAt(gaps, t);
      if (g !== curGap) {
        gapEls.get(curGap)?.classList.remove("active");
        curGap = g;
        const gel = gapEls.get(g);
        if (gel) {
          gel.classList.add("active");
          scrollTo(gel, jumped);
        } else if (lines.get(curLine) && pos.index >= 0) {
          scrollTo(lines.get(curLine)!, jumped);
        }
      }
      const gap = gaps[g];
      const countText = gap && gap.nextLine >= 0 ? countdown(gap.end - t) : "";
      if (countText !== lastCount) {
        lastCount = countText;
        const count = gapEls.get(g)?.querySelector(".count");
        if (count) count.textContent = countText;
        if (hud.current?.countdown) {
          hud.current.countdown.textContent = countText ? `Next line in ${countText} s` : "";
          hud.current.countdown.hidden = !countText;
        }
      }

      // HUD: clock, seek bar, section, bar and beat, count-in.
      const h = hud.current;
      if (!h) return;
      const timeText = clock(t);
      if (timeText !== lastTimeText && h.time) {
        h.time.textContent = timeText;
        lastTimeText = timeText;
      }
      if (h.seek && document.activeElement !== h.seek && Math.abs(Number(h.seek.value) - t) > 0.2) h.seek.value = String(t);
      const s = sectionAt(index, t);
      if (s !== lastSection && h.section) {
        h.section.textContent = opts.current.sectionNames[s] ?? "";
        lastSection = s;
      }
      if (grid && h.bar) {
        const b = beatAt(grid, t);
        const barText = b ? `${b.bar}` : "–";
        if (barText !== lastBar) {
          h.bar.textContent = barText;
          lastBar = barText;
        }
        const beat = b ? b.beat : 0;
        if (beat !== lastBeat && h.beats) {
          Array.from(h.beats.children).forEach((d, i) => d.classList.toggle("on", i === beat - 1));
          lastBeat = beat;
        }
      }
      const ci = player.countInPosition(now);
      const ciText = ci ? String(ci.label) : "";
      if (ciText !== lastCountIn && h.countIn) {
        h.countIn.textContent = ciText;
        h.countIn.hidden = !ciText;
        lastCountIn = ciText;
      }
    };
    raf = requestAnimationFrame(frame);
    return () => {
      cancelAnimationFrame(raf);
      relayout.disconnect();
      viewport.removeEventListener("wheel", onUserScroll);
      viewport.removeEventListener("touchmove", onUserScroll);
      barEls[curBar]?.removeAttribute("aria-current");
      syls[curSyl]?.classList.remove("now");
      syls[curSyl]?.removeAttribute("data-testid");
      lines.forEach((l) => l.classList.remove("cur", "past"));
    };
    // Re-collect elements whenever the body re-renders (new song, transposition, font).
  }, [o.viewport, o.bodyVersion, o.index]);
}

/**
 * Marks the chart's first paint and measures it from the Song Map's load, for the performance
 * budget (bench.mjs reads "performia:load-to-paint").
 */
export function useLoadToPaintMark(): void {
  useLayoutEffect(() => {
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        performance.mark("performia:chart-painted");
        try {
          performance.measure("performia:load-to-paint", "performia:song-load-start", "performia:chart-painted");
        } catch {
          /* opened without a load mark (hot reload) */
        }
      }),
    );
  }, []);
}
