import { afterEach, describe, expect, it, vi } from "vitest";
import { smallSong } from "../lib/testing";
import { CloudSource } from "./cloud";
import { ConfigError, parseConfig } from "./config";
import { EmbeddedSource } from "./embedded";
import { jobErrorMessage, orderedStages, type JobDoc, type StageRun } from "./jobs";
import { SaveError } from "./source";
import { audioType } from "./upload";

const embedded = parseConfig({ mode: "embedded", dataUrl: "/data/", kbQueryUrl: "/api/kb_query" });
const cloud = parseConfig({
  mode: "cloud",
  libraryUrl: "http://127.0.0.1:9000/library/",
  saveSongUrl: "http://127.0.0.1:9000/save_song",
});

type Call = { url: string; init?: RequestInit };
function stubFetch(reply: (call: Call) => Response): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal("fetch", async (url: string, init?: RequestInit) => {
    const call = { url: String(url), init };
    calls.push(call);
    return reply(call);
  });
  vi.stubGlobal("location", { href: "http://127.0.0.1:8765/" });
  return calls;
}
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

afterEach(() => vi.unstubAllGlobals());

describe("config", () => {
  it("fills defaults and refuses configs the app cannot run with", () => {
    expect(embedded).toMatchObject({ versionHeader: "X-Performia-Version", saveSongUrl: "/api/save_song", uploadUrl: null });
    expect(() => parseConfig({ mode: "local" })).toThrow(ConfigError);
    expect(() => parseConfig({ dataUrl: "/data" })).toThrow(/end with/);
    expect(() => parseConfig({ mode: "cloud" })).toThrow(/needs libraryUrl/);
    expect(() => parseConfig("nope")).toThrow(ConfigError);
  });
});

describe("EmbeddedSource", () => {
  it("resolves store keys under dataUrl, encoding each segment", () => {
    const s = new EmbeddedSource(embedded);
    expect(s.mediaUrl("uploads/ab 12/song #1.mp3")).toBe("/data/uploads/ab%2012/song%20%231.mp3");
    expect(s.mediaUrl("https://cdn.example/x.mp3")).toBe("https://cdn.example/x.mp3");
  });

  it("reads the Song Map's version from the response header", async () => {
    const calls = stubFetch(() => json(smallSong(), 200, { "X-Performia-Version": "abc123" }));
    const loaded = await new EmbeddedSource(embedded).loadSong("test-song");
    expect(calls[0]!.url).toBe("/data/songs/test-song/song_map.json");
    expect(loaded.version).toBe("abc123");
    expect(loaded.song.title).toBe("Test Song");
  });

  it("refuses to edit a Song Map served without its version", async () => {
    stubFetch(() => json(smallSong()));
    await expect(new EmbeddedSource(embedded).loadSong("test-song")).rejects.toThrow(/without its X-Performia-Version header/);
  });

  it("says which song is missing", async () => {
    stubFetch(() => json({ error: "not found" }, 404));
    await expect(new EmbeddedSource(embedded).loadSong("gone")).rejects.toThrow("there is no song “gone” in this library");
  });

  it("treats a missing library listing as an empty library", async () => {
    stubFetch(() => new Response("not found", { status: 404 }));
    await expect(new EmbeddedSource(embedded).listSongs()).resolves.toEqual([]);
  });

  it("saves with baseVersion and maps 409 and 400 to stale and invalid", async () => {
    const s = new EmbeddedSource(embedded);
    let calls = stubFetch(() => json({ songId: "test-song", version: "v2" }));
    await expect(s.saveSong("test-song", "v1", smallSong())).resolves.toBe("v2");
    expect(calls[0]!.url).toBe("/api/save_song");
    expect(JSON.parse(String(calls[0]!.init!.body))).toMatchObject({ songId: "test-song", baseVersion: "v1", songMap: { id: "test-song" } });

    calls = stubFetch(() => json({ error: "song 'test-song' was changed by someone else" }, 409));
    const stale = await s.saveSong("test-song", "v1", smallSong()).catch((e) => e);
    expect(stale).toBeInstanceOf(SaveError);
    expect(stale).toMatchObject({ kind: "stale", status: 409, message: "song 'test-song' was changed by someone else" });

    stubFetch(() => json({ error: "sections.0.lines.0.syllables.0.text: String should have at least 1 character" }, 400));
    await expect(s.saveSong("test-song", "v1", smallSong())).rejects.toMatchObject({ kind: "invalid", message: expect.stringMatching(/syllables\.0\.text/) });

    stubFetch(() => new Response("boom", { status: 502, statusText: "Bad Gateway" }));
    await expect(s.saveSong("test-song", "v1", smallSong())).rejects.toMatchObject({ kind: "other", status: 502 });
  });

  it("queries the knowledge base when configured", async () => {
    const calls = stubFetch(() => json({ results: [{ source: "music/chords.md", headingPath: ["Chords", "Capo"], text: "A capo…", score: 0.8 }] }));
    const s = new EmbeddedSource(embedded);
    await expect(s.kbQuery!("capo")).resolves.toHaveLength(1);
    expect(JSON.parse(String(calls[0]!.init!.body))).toEqual({ query: "capo", k: 5 });
    expect(new EmbeddedSource(parseConfig({})).kbQuery).toBeUndefined();
  });
});

describe("CloudSource", () => {
  it("lists and opens the user's songs through the library function, never the bucket", async () => {
    const signed = "http://127.0.0.1:4443/storage/v1/b/b/o/songs%2Fs1%2Fmedia%2Fstems%2Fvocals.flac?alt=media&sig=1";
    const calls = stubFetch(({ init }) => {
      const body = JSON.parse(String(init!.body));
      if (body.op === "list") return json({ songs: [{ songId: "s1", title: "Mine" }] });
      return json({ songId: "s1", version: "1712", songMap: smallSong(), media: { "songs/s1/media/stems/vocals.flac": signed }, expiresAt: "2026-12-06T20:00:00+00:00" });
    });
    const source = new CloudSource(cloud);
    await expect(source.listSongs()).resolves.toEqual([{ songId: "s1", title: "Mine" }]);
    const loaded = await source.loadSong("s1");
    expect(loaded.version).toBe("1712");
    expect(loaded.song.title).toBe("Test Song");
    expect(calls.map((c) => c.url)).toEqual(["http://127.0.0.1:9000/library/", "http://127.0.0.1:9000/library/"]);
    expect(calls.map((c) => JSON.parse(String(c.init!.body)))).toEqual([{ op: "list" }, { op: "open", songId: "s1" }]);
    expect(source.mediaUrl("songs/s1/media/stems/vocals.flac")).toBe(signed);
  });

  it("says a song that is not the user's is not in their library", async () => {
    stubFetch(() => json({ error: "song 's2' is not one of yours" }, 403));
    await expect(new CloudSource(cloud).loadSong("s2")).rejects.toThrow("there is no song “s2” in your library");
  });
});

describe("jobs and uploads", () => {
  // A whole document, as performia.jobs writes it (every field, the types generated from it).
  const run = (r: Pick<StageRun, "state"> & Partial<StageRun>): StageRun => ({
    progress: 0, message: null, attempts: 0, requeues: 0, fingerprint: null, reused: false,
    queuedAt: null, startedAt: null, heartbeatAt: null, finishedAt: null, seconds: null, error: null, ...r,
  });
  const job: JobDoc = {
    jobId: "j1",
    status: "FAILED",
    progress: 0.3,
    failedStage: "ingest",
    error: null,
    input: {},
    params: {},
    owner: "alice",
    songId: null,
    createdAt: "2026-12-06T12:00:00+00:00",
    updatedAt: "2026-12-06T12:00:05+00:00",
    stages: {
      package: run({ state: "pending" }),
      rhythm: run({ state: "done" }),
      ingest: run({ state: "failed", error: "the file is not audio Performia can decode (no audio stream)" }),
      custom: run({ state: "skipped" }),
    },
  };

  it("lists stages in pipeline order, unknown ones last", () => {
    expect(orderedStages(job).map(([n]) => n)).toEqual(["ingest", "rhythm", "package", "custom"]);
  });

  it("explains a failed job in words, from the stage's own error", () => {
    expect(jobErrorMessage(job)).toBe("Failed while reading the audio: the file is not audio Performia can decode (no audio stream)");
    expect(jobErrorMessage({ ...job, failedStage: null, error: "quota exceeded" })).toBe("Failed: quota exceeded");
    expect(jobErrorMessage({ ...job, failedStage: null, stages: {} })).toBe("Failed: the analysis stopped without saying why");
  });

  it("declares the content type ingest expects, from the extension", () => {
    expect(audioType("Song.MP3")).toBe("audio/mpeg");
    expect(audioType("take.opus")).toBe("audio/ogg");
    expect(audioType("notes.txt")).toBeNull();
    expect(audioType("noextension")).toBeNull();
  });
});
