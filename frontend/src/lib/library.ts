/**
 * Library listing: search over title, artist and every word of the lyrics, and sorting.
 * Matching ignores case and accents ("cafe" finds "Café") and every word typed must match
 * somewhere, so "morning band" finds "Morning Light" by "Performia Example Band".
 */

import type { LibraryEntry as WireLibraryEntry } from "../types/wire";

/**
 * A listing entry, generated from performia.wire.LibraryEntry; listings written by earlier
 * versions may lack the opening words and the word index, so those are optional here.
 */
export type LibraryEntry = Omit<WireLibraryEntry, "lyricsStart" | "lyricsIndex"> &
  Partial<Pick<WireLibraryEntry, "lyricsStart" | "lyricsIndex">>;

export type SortField = "title" | "artist" | "key" | "tempo" | "duration";
export type SortDirection = "asc" | "desc";

export const fold = (text: string) =>
  text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();

export interface SearchHit {
  entry: LibraryEntry;
  /** Where the words matched, best first: "title", "artist", "lyrics". */
  fields: ("title" | "artist" | "lyrics")[];
  score: number;
}

/** Entries matching every word of `query`, best first (title beats artist beats lyrics). */
export function searchLibrary(entries: readonly LibraryEntry[], query: string): SearchHit[] {
  const terms = fold(query).split(/\s+/).filter(Boolean);
  const hits: SearchHit[] = [];
  for (const entry of entries) {
    const fields = {
      title: fold(entry.title ?? ""),
      artist: fold(entry.artist ?? ""),
      // Listings written before the word index existed search their opening lyrics only.
      lyrics: fold(entry.lyricsIndex || entry.lyricsStart || ""),
    };
    let score = 0;
    const where = new Set<SearchHit["fields"][number]>();
    let all = true;
    for (const term of terms) {
      let best = 0;
      if (fields.title.includes(term)) { best = Math.max(best, fields.title.startsWith(term) ? 4 : 3); where.add("title"); }
      if (fields.artist.includes(term)) { best = Math.max(best, 2); where.add("artist"); }
      if (fields.lyrics.includes(term)) { best = Math.max(best, 1); where.add("lyrics"); }
      if (!best) { all = false; break; }
      score += best;
    }
    if (all) hits.push({ entry, fields: [...where], score });
  }
  if (terms.length) hits.sort((a, b) => b.score - a.score);
  return hits;
}

/**
 * What to show under a song found by its lyrics: the opening words around the first match when
 * they hold it, else the words matched deeper in the song (the listing keeps only the opening).
 */
export function lyricsSnippet(entry: LibraryEntry, query: string, width = 90): string | null {
  const terms = fold(query).split(/\s+/).filter(Boolean);
  const start = entry.lyricsStart ?? "";
  const folded = fold(start);
  const lyricTerms = terms.filter((t) => fold(entry.lyricsIndex || start).includes(t));
  if (!lyricTerms.length) return null;
  const at = folded.indexOf(lyricTerms[0]!);
  if (at >= 0) {
    const from = Math.max(0, Math.min(at - 20, start.length - width));
    const cut = start.slice(from, from + width);
    return `“${from > 0 ? "…" : ""}${cut}${from + width < start.length ? "…" : ""}”`;
  }
  return `sings ${lyricTerms.map((t) => `“${t}”`).join(", ")}`;
}

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

/** Sorted copy; missing values (no key, no tempo) always go last. */
export function sortLibrary<T extends { entry: LibraryEntry }>(rows: readonly T[], field: SortField, direction: SortDirection): T[] {
  const sign = direction === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a.entry[field];
    const y = b.entry[field];
    const xMissing = x === null || x === undefined || x === "";
    const yMissing = y === null || y === undefined || y === "";
    if (xMissing || yMissing) return xMissing === yMissing ? 0 : xMissing ? 1 : -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
    return c * sign || collator.compare(a.entry.title, b.entry.title);
  });
}
