/**
 * The embedded viewer (`performia view DIR`): the store root under dataUrl, the Song Map's
 * version in a response header, saves through the viewer's /api/save_song.
 */
import { getJson, HttpError } from "./http";
import { BaseSource, type LoadedSong } from "./source";
import type { SongMap } from "../types/songmap";

export class EmbeddedSource extends BaseSource {
  async loadSong(songId: string): Promise<LoadedSong> {
    const key = `songs/${songId}/song_map.json`;
    let loaded: { body: SongMap; response: Response };
    try {
      loaded = await getJson<SongMap>(this.mediaUrl(key));
    } catch (e) {
      if (e instanceof HttpError && e.status === 404) throw new HttpError(`there is no song “${songId}” in this library`, 404);
      throw e;
    }
    const version = loaded.response.headers.get(this.config.versionHeader);
    if (!version) {
      throw new Error(`the server sent ${key} without its ${this.config.versionHeader} header, so edits could not be saved safely`);
    }
    return { song: loaded.body, version };
  }
}
