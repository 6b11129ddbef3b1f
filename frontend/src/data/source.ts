/**
 * Where songs come from and go to. Two implementations behind one interface: the embedded
 * viewer's folder (embedded.ts) and the cloud bucket with Firestore job progress (cloud.ts).
 * The views only ever talk to a SongSource.
 */
import type { LibraryEntry } from "../lib/library";
import type { SongMap } from "../types/songmap";
import type { AppConfig } from "./config";
import { getJson, HttpError, postJson } from "./http";

export interface LoadedSong {
  song: SongMap;
  /** The version to send as baseVersion when saving (X-Performia-Version or GCS generation). */
  version: string;
}

/** Where a line is: section, then line within the section. */
export interface LineAddress {
  section: number;
  line: number;
}

/** New syllable times for one line, from "re-align from here". */
export interface LineTiming extends LineAddress {
  syllables: { startTime: number; duration: number; confidence?: number | null }[];
}

export interface RealignReply {
  lines: LineTiming[];
  note: string;
}

/** A help-search passage (generated from performia.wire.KbPassage). */
export type { KbPassage } from "../types/wire";
import type { KbPassage } from "../types/wire";

/** Save refused: `kind` says whether the edit was stale (409) or invalid (400). */
export class SaveError extends Error {
  constructor(
    message: string,
    readonly kind: "stale" | "invalid" | "other",
    readonly status: number,
  ) {
    super(message);
  }
}

export interface SongSource {
  readonly config: AppConfig;
  listSongs(): Promise<LibraryEntry[]>;
  loadSong(songId: string): Promise<LoadedSong>;
  /** Save over `baseVersion`; resolves to the new version. Throws SaveError. */
  saveSong(songId: string, baseVersion: string, song: SongMap): Promise<string>;
  /** The lines after `from` aligned again to the vocals, anchored on `from` (the line the user
   * fixed); only when config.realignUrl is set. Saves nothing. */
  realignLyrics?(songId: string, song: SongMap, from: LineAddress): Promise<RealignReply>;
  /** Put a ChordPro chart in the Library; resolves to the new song's id. Only when offered. */
  importChordPro?(text: string): Promise<string>;
  /** URL of a store key (audio, stems). */
  mediaUrl(key: string): string;
  /** Passages from the knowledge base; only when config.kbQueryUrl is set. */
  kbQuery?(query: string, k?: number): Promise<KbPassage[]>;
}

/** What both sources share: the folder's library listing, saving and the knowledge base. */
export abstract class BaseSource implements SongSource {
  constructor(readonly config: AppConfig) {
    if (config.kbQueryUrl) this.kbQuery = (q, k = 5) => this.queryKb(q, k);
    if (config.realignUrl) this.realignLyrics = (id, song, from) => this.postRealign(id, song, from);
    if (config.importUrl) this.importChordPro = (text) => this.postImport(config.importUrl!, { chordpro: text });
  }

  importChordPro?: (text: string) => Promise<string>;

  protected async postImport(url: string, body: unknown): Promise<string> {
    const reply = await postJson<{ songId?: string }>(url, body);
    if (typeof reply.songId !== "string") throw new Error("the server did not say which song it made");
    return reply.songId;
  }

  kbQuery?: (query: string, k?: number) => Promise<KbPassage[]>;
  realignLyrics?: (songId: string, song: SongMap, from: LineAddress) => Promise<RealignReply>;

  /** A store key as a URL. Keys are encoded per path segment so names with spaces work. */
  mediaUrl(key: string): string {
    if (/^(https?:|data:|blob:)/.test(key)) return key;
    return this.config.dataUrl + key.split("/").map(encodeURIComponent).join("/");
  }

  async listSongs(): Promise<LibraryEntry[]> {
    try {
      const { body } = await getJson<{ songs?: LibraryEntry[] }>(this.mediaUrl("songs/index.json"));
      return Array.isArray(body.songs) ? body.songs : [];
    } catch (e) {
      if (e instanceof HttpError && e.status === 404) return []; // nothing analysed yet
      throw e;
    }
  }

  abstract loadSong(songId: string): Promise<LoadedSong>;

  async saveSong(songId: string, baseVersion: string, song: SongMap): Promise<string> {
    try {
      const reply = await postJson<{ songId: string; version: string }>(this.config.saveSongUrl, {
        songId,
        baseVersion,
        songMap: song,
      });
      return reply.version;
    } catch (e) {
      if (e instanceof HttpError) {
        const kind = e.status === 409 ? "stale" : e.status === 400 ? "invalid" : "other";
        throw new SaveError(e.message, kind, e.status);
      }
      throw e;
    }
  }

  private async postRealign(songId: string, song: SongMap, from: LineAddress): Promise<RealignReply> {
    const reply = await postJson<RealignReply>(this.config.realignUrl!, { songId, songMap: song, from });
    return { lines: Array.isArray(reply.lines) ? reply.lines : [], note: reply.note ?? "" };
  }

  private async queryKb(query: string, k: number): Promise<KbPassage[]> {
    const reply = await postJson<{ results?: KbPassage[] }>(this.config.kbQueryUrl!, { query, k });
    return reply.results ?? [];
  }
}
