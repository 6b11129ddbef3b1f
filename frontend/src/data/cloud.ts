/**
 * The cloud: nothing in the bucket is public, so the Library and each song come from the
 * `library` function, signed in as the user (data/auth.ts): their own listing, and for a song
 * its Song Map, the version a save needs and short-lived read URLs for its recording and stems.
 * Uploads go through a signed URL (upload.ts), job progress comes from Firestore (jobs.ts).
 */
import type { LibraryEntry } from "../lib/library";
import type { SongMap } from "../types/songmap";
import { HttpError, postJson } from "./http";
import { BaseSource, type LoadedSong } from "./source";

interface OpenedSong {
  songId: string;
  version: string;
  songMap: SongMap;
  /** Store key → a read URL that works until expiresAt. */
  media: Record<string, string>;
  expiresAt: string;
}

export class CloudSource extends BaseSource {
  /** Read URLs of the songs opened so far, by store key. */
  private readonly media = new Map<string, string>();

  override importChordPro = (text: string) => this.postImport(this.config.libraryUrl!, { op: "import", chordpro: text });

  override async listSongs(): Promise<LibraryEntry[]> {
    const reply = await postJson<{ songs?: LibraryEntry[] }>(this.config.libraryUrl!, { op: "list" });
    return Array.isArray(reply.songs) ? reply.songs : [];
  }

  async loadSong(songId: string): Promise<LoadedSong> {
    let opened: OpenedSong;
    try {
      opened = await postJson<OpenedSong>(this.config.libraryUrl!, { op: "open", songId });
    } catch (e) {
      if (e instanceof HttpError && (e.status === 403 || e.status === 404)) {
        throw new HttpError(`there is no song “${songId}” in your library`, e.status);
      }
      throw e;
    }
    for (const [key, url] of Object.entries(opened.media ?? {})) this.media.set(key, url);
    return { song: opened.songMap, version: String(opened.version) };
  }

  /** A file of an opened song: its signed read URL. A key no song opened has no URL to give,
   * and is left unresolved rather than guessed (the bucket would refuse it anyway). */
  override mediaUrl(key: string): string {
    return this.media.get(key) ?? super.mediaUrl(key);
  }
}
