/**
 * The Library: every analysed song with title, artist, key, tempo and length; search over title,
 * artist and the first lyrics; sortable columns; in cloud mode, uploading new recordings.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import type { SongSource } from "../data/source";
import { formatTempo, formatTime } from "../lib/format";
import { lyricsSnippet, searchLibrary, sortLibrary, type LibraryEntry, type SortDirection, type SortField } from "../lib/library";
import { addSong, type Setlist } from "../lib/setlists";
import { SetlistPanel } from "./SetlistPanel";
import { UploadPanel } from "./UploadPanel";
import "./Library.css";

const COLUMNS: { field: SortField; label: string; className?: string }[] = [
  { field: "title", label: "Title" },
  { field: "artist", label: "Artist" },
  { field: "key", label: "Key", className: "narrow" },
  { field: "tempo", label: "Tempo", className: "narrow num" },
  { field: "duration", label: "Length", className: "narrow num" },
];

interface Props {
  source: SongSource;
  onOpen: (songId: string, edit?: boolean) => void;
  setlists: Setlist[];
  updateSetlists: (change: (sets: Setlist[]) => Setlist[]) => void;
}

export function Library({ source, onOpen, setlists, updateSetlists }: Props) {
  const [setId, setSetId] = useState<string | null>(() => setlists[0]?.id ?? null);
  const currentSet = setlists.find((s) => s.id === setId) ?? null;
  const [entries, setEntries] = useState<LibraryEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<{ field: SortField; direction: SortDirection }>({ field: "title", direction: "asc" });

  const refresh = useCallback(async () => {
    try {
      setEntries(await source.listSongs());
      setError(null);
    } catch (e) {
      setError(`could not read the library: ${(e as Error).message}`);
    }
  }, [source]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const rows = useMemo(() => {
    const hits = searchLibrary(entries ?? [], query);
    return query.trim() && sort.field === "title" && sort.direction === "asc" ? hits : sortLibrary(hits, sort.field, sort.direction);
  }, [entries, query, sort]);

  const [importing, setImporting] = useState<string | null>(null);
  const importChart = async (file: File) => {
    setImporting(`Importing ${file.name}…`);
    try {
      if (file.size > 256 * 1024) throw new Error(`${file.name} is over 256 kB: is it a ChordPro chart?`);
      const songId = await source.importChordPro!(await file.text());
      setImporting(null);
      await refresh();
      onOpen(songId);
    } catch (e) {
      setImporting(`Could not import ${file.name}: ${(e as Error).message}`);
    }
  };

  const toggleSort = (field: SortField) =>
    setSort((s) => (s.field === field ? { field, direction: s.direction === "asc" ? "desc" : "asc" } : { field, direction: "asc" }));

  return (
    <main className="library">
      <div className="library-head">
        <h1>Library</h1>
        <input
          type="search"
          className="search"
          placeholder="Search titles, artists and lyrics"
          aria-label="Search the library"
          data-testid="library-search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        {source.importChordPro && (
          <label className="button import" title="A ChordPro chart (.cho, .chordpro, .pro) becomes a song in your Library, without a recording">
            Import ChordPro…
            <input
              type="file"
              accept=".cho,.chordpro,.chopro,.crd,.pro,.txt,text/plain"
              hidden
              data-testid="import-chordpro"
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = "";
                if (file) void importChart(file);
              }}
            />
          </label>
        )}
        <span className="count" aria-live="polite">
          {entries ? `${rows.length} of ${entries.length} song${entries.length === 1 ? "" : "s"}` : ""}
        </span>
      </div>
      {source.config.mode === "cloud" && source.config.uploadUrl && (
        <UploadPanel config={source.config} onSongReady={() => void refresh()} onOpen={onOpen} />
      )}
      {importing && (
        <div className={`banner${importing.startsWith("Could not") ? " error" : ""}`} role={importing.startsWith("Could not") ? "alert" : "status"} data-testid="import-message">
          {importing}
        </div>
      )}
      <SetlistPanel setlists={setlists} update={updateSetlists} selected={currentSet?.id ?? null} onSelect={setSetId} />
      {error && (
        <div className="banner error" role="alert">
          {error} <button onClick={() => void refresh()}>Try again</button>
        </div>
      )}
      {entries === null && !error && <p className="muted">Reading the library…</p>}
      {entries?.length === 0 && (
        <div className="empty">
          <h2>No songs yet</h2>
          {source.config.mode === "cloud" ? (
            <p>Drop a recording above to make its Living Chart.</p>
          ) : (
            <p>
              Analyse a recording into this folder with <code>performia analyze SONG --out DIR</code>, then reload.
            </p>
          )}
        </div>
      )}
      {!!entries?.length && (
        <table className="songs" data-testid="library-table">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.field}
                  className={c.className}
                  aria-sort={sort.field === c.field ? (sort.direction === "asc" ? "ascending" : "descending") : "none"}
                >
                  <button className="sort" onClick={() => toggleSort(c.field)} data-testid={`sort-${c.field}`}>
                    {c.label}
                    <span className="arrow" aria-hidden="true">
                      {sort.field === c.field ? (sort.direction === "asc" ? "▲" : "▼") : ""}
                    </span>
                  </button>
                </th>
              ))}
              <th className="narrow">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ entry, fields }) => (
              <tr key={entry.songId} data-testid="library-row" data-song-id={entry.songId} onClick={() => onOpen(entry.songId)}>
                <td>
                  <a href={`#/song/${encodeURIComponent(entry.songId)}`} className="title" onClick={(e) => e.stopPropagation()}>
                    {entry.title || "Untitled"}
                  </a>
                  {query.trim() && fields.includes("lyrics") && (
                    <div className="lyrics-hit">{lyricsSnippet(entry, query)}</div>
                  )}
                </td>
                <td>{entry.artist || <span className="muted">Unknown</span>}</td>
                <td className="narrow">{entry.key ?? "–"}</td>
                <td className="narrow num">{formatTempo(entry.tempo)}</td>
                <td className="narrow num">{formatTime(entry.duration)}</td>
                <td className="narrow row-actions">
                  {currentSet && (
                    <button
                      className="ghost"
                      onClick={(e) => {
                        e.stopPropagation();
                        updateSetlists((sets) => sets.map((s) => (s.id === currentSet.id ? addSong(s, { songId: entry.songId, title: entry.title || "Untitled" }) : s)));
                      }}
                      aria-label={`Add ${entry.title} to ${currentSet.name}`}
                      data-testid="add-to-set"
                    >
                      + Set
                    </button>
                  )}
                  <button
                    className="ghost"
                    onClick={(e) => {
                      e.stopPropagation();
                      onOpen(entry.songId, true);
                    }}
                    aria-label={`Edit ${entry.title}`}
                  >
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {entries && entries.length > 0 && rows.length === 0 && <p className="muted">No song matches “{query}”.</p>}
    </main>
  );
}
