/**
 * The cloud bucket (GCS, or its emulator locally): the library and media under dataUrl, the Song
 * Map read through the JSON API so its `generation` (the baseVersion a save needs) and its bytes
 * come from the same object version, uploads through a signed URL, and job progress from
 * Firestore (jobs.ts).
 */
import { getJson, HttpError } from "./http";
import { BaseSource, type LoadedSong } from "./source";
import type { SongMap } from "../types/songmap";

export class CloudSource extends BaseSource {
  private objectUrl(key: string): string {
    const { storageApi, bucket } = this.config;
    return `${storageApi!.replace(/\/$/, "")}/storage/v1/b/${encodeURIComponent(bucket!)}/o/${encodeURIComponent(key)}`;
  }

  async loadSong(songId: string): Promise<LoadedSong> {
    const key = `songs/${songId}/song_map.json`;
    let meta: { generation?: string | number };
    try {
      meta = (await getJson<{ generation?: string | number }>(this.objectUrl(key))).body;
    } catch (e) {
      if (e instanceof HttpError && e.status === 404) throw new HttpError(`there is no song “${songId}” in this library`, 404);
      throw e;
    }
    if (meta.generation === undefined) throw new Error(`the bucket did not report a generation for ${key}`);
    const generation = String(meta.generation);
    // Asking for that generation makes the bytes match the version even if a save lands between.
    const { body } = await getJson<SongMap>(`${this.objectUrl(key)}?alt=media&generation=${encodeURIComponent(generation)}`);
    return { song: body, version: generation };
  }
}
