/**
 * /config.json: how this deployment is wired (see /tmp contract, "frontend_contract"). Fetched
 * once at startup, relative to the page, so the same build runs under the embedded viewer, the
 * local emulator stack and the cloud.
 */

export interface FirestoreConfig {
  projectId: string;
  emulatorHost?: string | null;
  apiKey?: string | null;
  authDomain?: string | null;
}

export interface AppConfig {
  mode: "embedded" | "cloud";
  /** Base URL every store key is appended to (ends with "/"; embedded mode's song folder). */
  dataUrl: string;
  /** Response header carrying a Song Map's version (embedded mode). */
  versionHeader: string;
  /** The `library` function (cloud mode): the user's own listing and songs, with short-lived
   * read URLs for their files; the bucket itself is private. */
  libraryUrl: string | null;
  saveSongUrl: string;
  /** "Re-align from here" in the Blueprint View; null: not offered by this deployment. */
  realignUrl: string | null;
  /** Import a ChordPro chart into the Library (embedded mode; the cloud imports through
   * `libraryUrl`). Absent or null: the cloud's way, or none. */
  importUrl?: string | null;
  uploadUrl: string | null;
  kbQueryUrl: string | null;
  firestore: FirestoreConfig | null;
  /** Open this song's Living Chart at start (embedded `make run`). */
  openSong: string | null;
  /** A fixed user token (the local stack's, printed by `performia dev up`); see data/auth.ts. */
  authToken?: string | null;
}

export class ConfigError extends Error {}

const DEFAULTS: AppConfig = {
  mode: "embedded",
  dataUrl: "/data/",
  versionHeader: "X-Performia-Version",
  libraryUrl: null,
  saveSongUrl: "/api/save_song",
  realignUrl: null,
  importUrl: null,
  uploadUrl: null,
  kbQueryUrl: null,
  firestore: null,
  openSong: null,
  authToken: null,
};

/** Check and complete a parsed config; throws ConfigError naming what is wrong. */
export function parseConfig(raw: unknown): AppConfig {
  if (typeof raw !== "object" || raw === null) throw new ConfigError("config.json is not a JSON object");
  const c = { ...DEFAULTS, ...(raw as Partial<AppConfig>) };
  if (c.mode !== "embedded" && c.mode !== "cloud") throw new ConfigError(`config.json: unknown mode ${JSON.stringify(c.mode)}`);
  if (typeof c.dataUrl !== "string" || !c.dataUrl.endsWith("/")) throw new ConfigError("config.json: dataUrl must end with “/”");
  if (c.mode === "cloud" && !c.libraryUrl) throw new ConfigError("config.json: cloud mode needs libraryUrl");
  return c;
}

export async function loadConfig(url = "config.json"): Promise<AppConfig> {
  let response: Response;
  try {
    response = await fetch(url, { cache: "no-store" });
  } catch (e) {
    throw new ConfigError(`could not reach ${url}: ${(e as Error).message}`);
  }
  if (!response.ok) throw new ConfigError(`${url} answered ${response.status}: is the viewer running?`);
  return parseConfig(await response.json());
}
