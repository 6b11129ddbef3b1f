/**
 * The Blueprint View: where a band leader fixes what the analysis got wrong. Lyric text, syllable
 * splits and merges, timing nudges, chords, section names, splits and boundaries — every change
 * a named action (lib/edits.ts) with undo and redo (lib/history.ts); the whole Song Map checked
 * before saving (lib/validate.ts); saved over the version that was loaded, so a stale edit is
 * refused rather than overwriting someone else's; exported to ChordPro, LRC or a printed sheet.
 */
import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { SaveError, type SongSource } from "../data/source";
import { EditError, followSelection, type Action, type At, type SectionKind } from "../lib/edits";
import { download } from "../lib/download";
import { exportFileName, toChordPro, toLrc } from "../lib/export";
import { formatPreciseTime } from "../lib/format";
import { canRedo, canUndo, perform, redo, undo } from "../lib/history";
import { isChordSymbol, makeSpeller } from "../lib/music";
import { allChordSymbols, isSyllableUnsure, unsureSyllableNote } from "../lib/placement";
import { defaultSplit, loadHyphenator, type Hyphenate } from "../lib/syllables";
import { describePath, validateSongMap, type Issue } from "../lib/validate";
import type { Line, Section, SongMap } from "../types/songmap";
import type { SongSession } from "./App";
import { LineTools } from "./LineTools";
import { PrintSheet } from "./PrintSheet";
import { usePlayer, type Player } from "./usePlayer";
import "./Blueprint.css";

const KINDS: SectionKind[] = ["intro", "verse", "pre-chorus", "chorus", "bridge", "solo", "instrumental", "outro", "section"];

interface Props {
  source: SongSource;
  session: SongSession;
  setSession: React.Dispatch<React.SetStateAction<SongSession | null>>;
  reload: () => Promise<void>;
  onPlay: () => void;
}

type Message = { kind: "ok" | "error" | "stale" | "info"; text: string } | null;

const sameAt = (a: At | null, b: At) => !!a && a.section === b.section && a.line === b.line && a.syllable === b.syllable;


export function Blueprint({ source, session, setSession, reload, onPlay }: Props) {
  const song = session.history.present;
  const [selected, setSelected] = useState<At | null>(null);
  const [message, setMessage] = useState<Message>(null);
  const [saving, setSaving] = useState(false);
  const [issues, setIssues] = useState<{ errors: Issue[]; warnings: Issue[] } | null>(null);
  const dirty = song !== session.saved;

  // Applied eagerly (not inside a state updater) so an EditError is shown, not thrown in render.
  // `apply` keeps one identity for the editor's life (the history is read from a ref), so the
  // memoised sections re-render only when their own part of the Song Map changes.
  const history = useRef(session.history);
  history.current = session.history;
  const apply = useCallback(
    (action: Action) => {
      try {
        const before = history.current.present;
        const next = perform(history.current, action);
        history.current = next;
        setSession((s) => (s ? { ...s, history: next } : s));
        // The selection follows its syllable when sections are split, merged or lines moved.
        setSelected((at) => followSelection(action, at, before));
        setMessage(null);
        return true;
      } catch (e) {
        if (e instanceof EditError) {
          setMessage({ kind: "error", text: e.message });
          return false;
        }
        throw e;
      }
    },
    [setSession],
  );

  const doUndo = useCallback(() => setSession((s) => (s ? { ...s, history: undo(s.history) } : s)), [setSession]);
  const doRedo = useCallback(() => setSession((s) => (s ? { ...s, history: redo(s.history) } : s)), [setSession]);

  const save = useCallback(async () => {
    const v = validateSongMap(song);
    setIssues(v.errors.length || v.warnings.length ? { errors: v.errors, warnings: v.warnings } : null);
    if (!v.ok) {
      setMessage({ kind: "error", text: `Not saved: ${v.errors.length} problem${v.errors.length === 1 ? "" : "s"} to fix first (listed below).` });
      return;
    }
    setSaving(true);
    setMessage({ kind: "info", text: "Saving…" });
    try {
      const version = await source.saveSong(session.songId, session.version, song);
      setSession((s) => (s ? { ...s, version, saved: song } : s));
      setMessage({ kind: "ok", text: "Saved. The previous version is kept as a revision." });
    } catch (e) {
      if (e instanceof SaveError && e.kind === "stale") {
        setMessage({ kind: "stale", text: `Not saved: ${e.message}` });
      } else if (e instanceof SaveError && e.kind === "invalid") {
        setMessage({ kind: "error", text: `Not saved: the server refused this Song Map — ${e.message}` });
      } else {
        setMessage({ kind: "error", text: `Not saved: ${(e as Error).message}` });
      }
    } finally {
      setSaving(false);
    }
  }, [song, source, session.songId, session.version, setSession]);

  // Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y / Ctrl+S.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      const k = e.key.toLowerCase();
      const inField = (e.target as HTMLElement).closest("input, textarea, select");
      if (k === "s") {
        e.preventDefault();
        void save();
      } else if (!inField && k === "z") {
        e.preventDefault();
        if (e.shiftKey) doRedo();
        else doUndo();
      } else if (!inField && k === "y") {
        e.preventDefault();
        doRedo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [save, doUndo, doRedo]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  // Re-check live once the editor has asked for a check (after a failed save).
  useEffect(() => {
    if (issues) {
      const v = validateSongMap(song);
      setIssues(v.errors.length || v.warnings.length ? { errors: v.errors, warnings: v.warnings } : null);
    }
  }, [song]); // eslint-disable-line react-hooks/exhaustive-deps

  const speller = useMemo(() => makeSpeller(song.key, allChordSymbols(song), { transpose: 0, capo: 0 }), [song]);
  const player = usePlayer(source, song);
  const lastStep = session.history.past[session.history.past.length - 1];
  const nextStep = session.history.future[0];

  return (
    <main className="blueprint" data-testid="blueprint">
      <div className="bp-toolbar">
        <div className="bp-title">
          <input className="title-input" value={song.title} aria-label="Title" onChange={(e) => apply({ type: "setMeta", field: "title", value: e.target.value })} data-testid="edit-title" />
          <input className="artist-input" value={song.artist} aria-label="Artist" onChange={(e) => apply({ type: "setMeta", field: "artist", value: e.target.value })} />
          <input className="key-input" value={song.key ?? ""} placeholder="Key" aria-label="Key" onChange={(e) => apply({ type: "setMeta", field: "key", value: e.target.value })} />
        </div>
        <div className="bp-actions">
          <button onClick={doUndo} disabled={!canUndo(session.history)} title={lastStep ? `Undo ${lastStep.label} (Ctrl+Z)` : "Nothing to undo"} data-testid="undo">
            Undo
          </button>
          <button onClick={doRedo} disabled={!canRedo(session.history)} title={nextStep ? `Redo ${nextStep.label} (Ctrl+Shift+Z)` : "Nothing to redo"} data-testid="redo">
            Redo
          </button>
          <button className="primary" onClick={() => void save()} disabled={saving || !dirty} data-testid="save-button" title="Save (Ctrl+S)">
            {saving ? "Saving…" : dirty ? "Save" : "Saved"}
          </button>
          <span className="sep" />
          <button onClick={() => download(exportFileName(song, "chordpro"), toChordPro(song), "text/plain")} data-testid="export-chordpro">ChordPro</button>
          <button onClick={() => download(exportFileName(song, "lrc"), toLrc(song), "text/plain")} data-testid="export-lrc">LRC</button>
          <button onClick={() => window.print()} data-testid="print">Print</button>
          <button onClick={onPlay}>Living Chart</button>
        </div>
        <PlayerBar player={player} duration={song.duration} />
      </div>

      {message && (
        <div className={`banner ${message.kind}`} role={message.kind === "ok" || message.kind === "info" ? "status" : "alert"} data-testid="save-message" data-kind={message.kind}>
          <span>{message.text}</span>
          {message.kind === "stale" && (
            <>
              {" "}
              <button onClick={() => { if (!dirty || confirm("Discard your unsaved edits and load the saved version?")) void reload(); }} data-testid="reload-song">
                Load the saved version
              </button>
            </>
          )}
        </div>
      )}
      {issues && (
        <div className="issues" data-testid="validation">
          {issues.errors.map((i, n) => (
            <IssueRow key={`e${n}`} issue={i} song={song} level="error" onPick={setSelected} />
          ))}
          {issues.warnings.map((i, n) => (
            <IssueRow key={`w${n}`} issue={i} song={song} level="warning" onPick={setSelected} />
          ))}
        </div>
      )}

      <div className="bp-main">
        <div className="bp-doc">
          {song.sections.map((section, s) => (
            <SectionEditor
              key={s}
              section={section}
              index={s}
              count={song.sections.length}
              selected={selected?.section === s ? selected : null}
              onSelect={setSelected}
              apply={apply}
              lyricsSource={song.lyricsSource}
            />
          ))}
        </div>
        <aside className="bp-inspector">
          {selected ? (
            <>
              <Inspector song={song} at={selected} apply={apply} onSelect={setSelected} preview={player.play} />
              <LineTools song={song} songId={session.songId} at={selected} apply={apply} player={player} source={source} onNotice={setMessage} />
            </>
          ) : (
            <div className="muted hint">
              <p>Select a syllable to edit its text, chord and timing.</p>
              <p>Ctrl+Z undoes, Ctrl+Shift+Z redoes, Ctrl+S saves.</p>
            </div>
          )}
        </aside>
      </div>
      <PrintSheet song={song} speller={speller} transpose={0} capo={0} />
    </main>
  );
}

function IssueRow({ issue, song, level, onPick }: { issue: Issue; song: SongMap; level: "error" | "warning"; onPick: (at: At) => void }) {
  const m = /^sections\[(\d+)\]\.lines\[(\d+)\](?:\.syllables\[(\d+)\])?/.exec(issue.path);
  return (
    <div className={`issue ${level}`}>
      <strong>{level === "error" ? "Error" : "Check"}</strong> {describePath(song, issue.path)}: {issue.message}
      {m && (
        <button className="link" onClick={() => onPick({ section: Number(m[1]), line: Number(m[2]), syllable: Number(m[3] ?? 0) })}>
          show
        </button>
      )}
    </div>
  );
}

interface SectionProps {
  section: Section;
  index: number;
  count: number;
  selected: At | null;
  onSelect: (at: At) => void;
  apply: (a: Action) => boolean;
  lyricsSource: SongMap["lyricsSource"];
}

const SectionEditor = memo(function SectionEditor({ section, index: s, count, selected, onSelect, apply, lyricsSource }: SectionProps) {
  const [name, setName] = useState(section.name);
  useEffect(() => setName(section.name), [section.name]);
  const lines = section.lines ?? [];
  return (
    <section className="bp-section" data-testid="bp-section">
      <div className="bp-section-head">
        <input
          className="section-name"
          value={name}
          aria-label={`Section ${s + 1} name`}
          data-testid="section-name"
          onChange={(e) => setName(e.target.value)}
          onBlur={() => name !== section.name && apply({ type: "renameSection", section: s, name })}
          onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
        />
        <select value={section.kind ?? "section"} onChange={(e) => apply({ type: "setSectionKind", section: s, kind: e.target.value as SectionKind })} aria-label="Section kind">
          {KINDS.map((k) => (
            <option key={k} value={k}>{k}</option>
          ))}
        </select>
        <span className="muted small">
          {formatPreciseTime(section.startTime)}–{formatPreciseTime(section.endTime)}
        </span>
        <span className="section-actions">
          <button className="ghost" disabled={s === 0 || !lines.length} onClick={() => apply({ type: "moveLine", section: s, direction: "up" })} title="Move this section's first line to the section before">
            ↑ first line
          </button>
          <button className="ghost" disabled={s === count - 1 || !lines.length} onClick={() => apply({ type: "moveLine", section: s, direction: "down" })} title="Move this section's last line to the section after">
            ↓ last line
          </button>
          <button className="ghost" disabled={!selected || selected.line === 0} onClick={() => selected && apply({ type: "splitSection", section: s, line: selected.line })} title="Start a new section at the selected line" data-testid="split-section">
            Split at line
          </button>
          <button className="ghost" disabled={s === count - 1} onClick={() => apply({ type: "mergeSections", section: s })} title="Merge with the next section">
            Merge next
          </button>
        </span>
      </div>
      {lines.length === 0 && <p className="muted small">No lyrics (instrumental).</p>}
      {lines.map((line, l) => (
        <LineEditor key={l} line={line} s={s} l={l} selected={selected?.line === l ? selected : null} onSelect={onSelect} lyricsSource={lyricsSource} />
      ))}
    </section>
  );
});

const LineEditor = memo(function LineEditor({
  line,
  s,
  l,
  selected,
  onSelect,
  lyricsSource,
}: {
  line: Line;
  s: number;
  l: number;
  selected: At | null;
  onSelect: (at: At) => void;
  lyricsSource: SongMap["lyricsSource"];
}) {
  return (
    <div className="bp-line" data-testid="bp-line">
      <span className="line-time">{formatPreciseTime(line.startTime)}</span>
      <span className="chips">
        {(line.syllables ?? []).map((syl, y) => {
          const at = { section: s, line: l, syllable: y };
          const unsure = isSyllableUnsure(syl);
          return (
            <button
              key={y}
              className={`chip${sameAt(selected, at) ? " selected" : ""}${syl.endsWord === false ? " joined" : ""}${unsure ? " unsure" : ""}`}
              onClick={() => onSelect(at)}
              data-testid="bp-syllable"
              data-unsure={unsure || undefined}
              title={`${formatPreciseTime(syl.startTime)} · ${Math.round(syl.duration * 1000)} ms${unsure ? ` · ${unsureSyllableNote(syl.confidence!, lyricsSource)}` : ""}`}
            >
              <span className="chip-chord" data-testid={syl.chord ? "bp-chord" : undefined}>{syl.chord ?? "\u00a0"}</span>
              <span className="chip-text">{syl.text}</span>
            </button>
          );
        })}
        {!(line.syllables ?? []).length && <span className="muted">{line.text || "(empty line)"}</span>}
      </span>
    </div>
  );
});

function Inspector({
  song,
  at,
  apply,
  onSelect,
  preview,
}: {
  song: SongMap;
  at: At;
  apply: (a: Action) => boolean;
  onSelect: (at: At | null) => void;
  preview: (start: number, end: number) => void;
}) {
  const syl = song.sections[at.section]?.lines?.[at.line]?.syllables?.[at.syllable];
  const [text, setText] = useState(syl?.text ?? "");
  const [chord, setChord] = useState(syl?.chord ?? "");
  const textInput = useRef<HTMLInputElement>(null);
  const [hyphenate, setHyphenate] = useState<Hyphenate | null>(null);
  useEffect(() => {
    let live = true;
    loadHyphenator(song.language).then((h) => live && setHyphenate(() => h), () => undefined);
    return () => {
      live = false;
    };
  }, [song.language]);
  useEffect(() => {
    setText(syl?.text ?? "");
    setChord(syl?.chord ?? "");
  }, [syl?.text, syl?.chord, at.section, at.line, at.syllable]);
  if (!syl) return <p className="muted">That syllable no longer exists.</p>;
  const lineLength = song.sections[at.section]!.lines![at.line]!.syllables!.length;
  const chordOk = !chord.trim() || isChordSymbol(chord);
  const nudge = (delta: number, edge: "both" | "start" | "end") => apply({ type: "nudge", at, delta, edge });
  const commitText = () => text !== syl.text && apply({ type: "setText", at, text });
  const commitChord = () => chordOk && (chord.trim() || null) !== (syl.chord ?? null) && apply({ type: "setChord", at, chord: chord.trim() || null });

  return (
    <div className="inspector" data-testid="inspector">
      <h2>Syllable</h2>
      <label>
        Text
        <input
          ref={textInput}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onBlur={commitText}
          onKeyDown={(e) => e.key === "Enter" && commitText()}
          data-testid="edit-text"
        />
      </label>
      <label>
        Chord <span className="muted small">(where the harmony changes; empty for none)</span>
        <input
          value={chord}
          onChange={(e) => setChord(e.target.value)}
          onBlur={commitChord}
          onKeyDown={(e) => e.key === "Enter" && commitChord()}
          aria-invalid={!chordOk}
          placeholder="e.g. F#m7, Bb/D, N.C."
          data-testid="edit-chord"
        />
        {!chordOk && <span className="field-error">Not a chord symbol the chart can read.</span>}
      </label>
      <div className="timing">
        <div>
          Start <b data-testid="syllable-start">{formatPreciseTime(syl.startTime)}</b> · length <b>{Math.round(syl.duration * 1000)} ms</b>
        </div>
        {(["both", "start", "end"] as const).map((edge) => (
          <div key={edge} className="nudge-row">
            <span className="nudge-label">{edge === "both" ? "Move" : edge === "start" ? "Start" : "End"}</span>
            {[-0.05, -0.01, 0.01, 0.05].map((d) => (
              <button key={d} onClick={() => nudge(d, edge)} data-testid={`nudge-${edge}-${d > 0 ? "plus" : "minus"}${Math.abs(d * 1000)}`}>
                {d > 0 ? "+" : "−"}
                {Math.abs(d * 1000)}
              </button>
            ))}
          </div>
        ))}
        <button onClick={() => preview(syl.startTime - 0.4, syl.startTime + syl.duration + 0.2)} disabled={!song.audio}>
          ▶ Hear it
        </button>
      </div>
      <div className="edit-row">
        <button
          onClick={() => {
            const caret = textInput.current?.selectionStart ?? 0;
            // At the text cursor; else at the syllable boundary nearest the middle ("to-night").
            const offset = caret > 0 && caret < syl.text.length ? caret : defaultSplit(syl.text, hyphenate);
            apply({ type: "split", at, offset });
          }}
          disabled={syl.text.length < 2}
          title="Split at the text cursor (or between its syllables)"
          data-testid="split-syllable"
        >
          Split
        </button>
        <button onClick={() => apply({ type: "merge", at })} disabled={at.syllable >= lineLength - 1} data-testid="merge-syllable">
          Merge with next
        </button>
        <button
          onClick={() => {
            if (apply({ type: "delete", at })) onSelect(lineLength > 1 ? { ...at, syllable: Math.max(0, at.syllable - 1) } : null);
          }}
          data-testid="delete-syllable"
        >
          Delete
        </button>
        <label className="check">
          <input type="checkbox" checked={syl.endsWord !== false} onChange={(e) => apply({ type: "setEndsWord", at, endsWord: e.target.checked })} />
          ends a word
        </label>
      </div>
    </div>
  );
}

/** Play, pause and the playhead: what "set to the playhead" and tap-along read. */
function PlayerBar({ player, duration }: { player: Player; duration: number }) {
  if (!player.ready) return null;
  return (
    <div className="bp-player" data-testid="bp-player">
      <button onClick={() => (player.playing ? player.pause() : player.play())} data-testid="bp-play" aria-label={player.playing ? "Pause" : "Play"}>
        {player.playing ? "⏸" : "▶"}
      </button>
      <input
        type="range"
        min={0}
        max={duration}
        step={0.01}
        value={Math.min(player.time, duration)}
        onChange={(e) => player.seek(Number(e.target.value))}
        aria-label="Playhead"
        data-testid="bp-seek"
      />
      <span className="bp-time" data-testid="bp-time">{formatPreciseTime(player.time)}</span>
    </div>
  );
}
