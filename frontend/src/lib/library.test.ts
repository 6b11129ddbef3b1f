import { describe, expect, it } from "vitest";
import { searchLibrary, sortLibrary, type LibraryEntry, lyricsSnippet } from "./library";

const entries: LibraryEntry[] = [
  { songId: "1", title: "Morning Light", artist: "Performia Example Band", key: "F major", tempo: 96, duration: 39.4, lyricsStart: "Morning light wakes the sleeping town" },
  { songId: "2", title: "Café Nights", artist: "Anna Blue", key: null, tempo: 120, duration: 200, lyricsStart: "under neon we danced" },
  { songId: "3", title: "Town Hall", artist: "The Morning Crew", key: "A minor", tempo: null, duration: 150, lyricsStart: "we gather here" },
];

describe("searchLibrary", () => {
  it("matches title, artist and lyrics, every word, ignoring case and accents", () => {
    expect(searchLibrary(entries, "cafe").map((h) => h.entry.songId)).toEqual(["2"]);
    expect(searchLibrary(entries, "NEON danced").map((h) => h.entry.songId)).toEqual(["2"]);
    expect(searchLibrary(entries, "morning band").map((h) => h.entry.songId)).toEqual(["1"]);
    expect(searchLibrary(entries, "zebra")).toEqual([]);
  });

  it("ranks title matches above artist and lyric matches", () => {
    const hits = searchLibrary(entries, "town");
    expect(hits.map((h) => h.entry.songId)).toEqual(["3", "1"]);
    expect(hits[1]!.fields).toEqual(["lyrics"]);
    expect(searchLibrary(entries, "morning").map((h) => h.entry.songId)).toEqual(["1", "3"]);
  });

  it("returns everything for an empty query", () => {
    expect(searchLibrary(entries, "  ")).toHaveLength(3);
  });
});

describe("sortLibrary", () => {
  const rows = searchLibrary(entries, "");
  it("sorts by any column, missing values last in both directions", () => {
    expect(sortLibrary(rows, "title", "asc").map((r) => r.entry.songId)).toEqual(["2", "1", "3"]);
    expect(sortLibrary(rows, "tempo", "desc").map((r) => r.entry.songId)).toEqual(["2", "1", "3"]);
    expect(sortLibrary(rows, "tempo", "asc").map((r) => r.entry.songId)).toEqual(["1", "2", "3"]);
    expect(sortLibrary(rows, "key", "asc").map((r) => r.entry.songId)).toEqual(["3", "1", "2"]);
    expect(sortLibrary(rows, "duration", "desc").map((r) => r.entry.songId)).toEqual(["2", "3", "1"]);
  });
});

describe("lyricsSnippet", () => {
  const entry: LibraryEntry = { songId: "x", title: "Zephyr Road", artist: "A", key: null, tempo: null, duration: 60, lyricsStart: "Morning light on the river we sing again", lyricsIndex: "morning light on the river we sing again hold silver moon" };
  it("quotes the opening words when they hold the match", () => {
    expect(lyricsSnippet(entry, "river")).toBe("“Morning light on the river we sing again”");
  });
  it("names the words matched deeper in the song", () => {
    expect(lyricsSnippet(entry, "silver moon")).toBe("sings “silver”, “moon”");
    expect(lyricsSnippet(entry, "zephyr")).toBeNull();
  });
});
