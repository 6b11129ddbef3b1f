// A stand-in for the embedded viewer, for developing the frontend where the Python viewer is not
// available: serves frontend/dist at /, the store root under /data/ (with HTTP Range, so audio
// seeks), /config.json (embedded mode) and POST /api/save_song with the contract's answers
// (200 {songId, version}, 400 {error}, 409 {error} for a stale baseVersion; versions are the
// SHA-256 of the file, as LocalFolderStore's). The browser tests run against the real viewer by
// default (harness.mjs); this server is used only with PERFORMIA_E2E_SERVER=node, and for the
// cloud upload test's static files.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json", ".svg": "image/svg+xml", ".wav": "audio/wav", ".mp3": "audio/mpeg",
  ".flac": "audio/flac", ".ogg": "audio/ogg", ".png": "image/png",
};

const sha256 = (data) => createHash("sha256").update(data).digest("hex");

function inside(root, rel) {
  const path = normalize(join(root, decodeURIComponent(rel)));
  return path === root || path.startsWith(root + sep) ? path : null;
}

function sendFile(req, res, path, extraHeaders = {}) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    return;
  }
  if (!stat.isFile()) {
    res.writeHead(404).end();
    return;
  }
  const headers = { "Content-Type": TYPES[extname(path)] ?? "application/octet-stream", "Accept-Ranges": "bytes", ...extraHeaders };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
  if (range) {
    let start = range[1] === "" ? stat.size - Number(range[2]) : Number(range[1]);
    let end = range[1] === "" || range[2] === "" ? stat.size - 1 : Number(range[2]);
    end = Math.min(end, stat.size - 1);
    if (start > end || start >= stat.size) {
      res.writeHead(416, { "Content-Range": `bytes */${stat.size}` }).end();
      return;
    }
    res.writeHead(206, { ...headers, "Content-Range": `bytes ${start}-${end}/${stat.size}`, "Content-Length": end - start + 1 });
    if (req.method === "HEAD") return res.end();
    createReadStream(path, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, { ...headers, "Content-Length": stat.size });
  if (req.method === "HEAD") return res.end();
  createReadStream(path).pipe(res);
}

function json(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" }).end(JSON.stringify(body));
}

async function body(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

/** Minimal checks standing in for the pydantic model (the real viewer does the full job). */
function problems(songMap) {
  if (typeof songMap !== "object" || songMap === null) return "songMap must be a JSON object";
  for (const f of ["id", "title", "artist", "duration", "sections", "provenance"]) if (!(f in songMap)) return `songMap.${f}: field required`;
  for (const [s, sec] of songMap.sections.entries())
    for (const [l, line] of (sec.lines ?? []).entries())
      for (const [y, syl] of (line.syllables ?? []).entries())
        if (typeof syl.text !== "string" || !syl.text) return `sections.${s}.lines.${l}.syllables.${y}.text: must not be empty`;
  return null;
}

/**
 * Serve `dist` and `root`. `config` is merged over the embedded defaults; `configJson` (an
 * object) replaces /config.json entirely (the cloud upload test serves the stack's config).
 */
export function startNodeServer({ root, dist, port = 0, config = {}, configJson = null }) {
  root = resolve(root);
  dist = resolve(dist);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const path = url.pathname;
    try {
      if (path === "/config.json") {
        if (configJson) return json(res, 200, configJson);
        return json(res, 200, {
          mode: "embedded", dataUrl: "/data/", versionHeader: "X-Performia-Version", libraryUrl: null,
          saveSongUrl: "/api/save_song", uploadUrl: null, kbQueryUrl: null, firestore: null, openSong: null, ...config,
        });
      }
      if (path === "/api/save_song") {
        if (req.method !== "POST") return json(res, 405, { error: "use POST" });
        let payload;
        try {
          payload = JSON.parse(await body(req));
        } catch {
          return json(res, 400, { error: "send a JSON object" });
        }
        const { songId, baseVersion, songMap } = payload;
        if (typeof songId !== "string" || typeof baseVersion !== "string" || !songMap) return json(res, 400, { error: "send songId, baseVersion and songMap" });
        const problem = problems(songMap);
        if (problem) return json(res, 400, { error: `edit of ${songId} is not a valid Song Map: ${problem}` });
        if (songMap.id !== songId) return json(res, 400, { error: `this Song Map is song '${songMap.id}', not '${songId}'` });
        const file = inside(root, `songs/${songId}/song_map.json`);
        if (!file || !existsSync(file)) return json(res, 409, { error: `song '${songId}' does not exist` });
        const current = readFileSync(file);
        if (sha256(current) !== baseVersion) {
          return json(res, 409, { error: `song '${songId}' was changed by someone else since you opened it: reload it, make your edit again and save` });
        }
        mkdirSync(join(root, "songs", songId, "revisions"), { recursive: true });
        writeFileSync(join(root, "songs", songId, "revisions", `${baseVersion}.json`), current);
        const data = Buffer.from(JSON.stringify(songMap, null, 2));
        writeFileSync(file, data);
        return json(res, 200, { songId, version: sha256(data) });
      }
      if (path.startsWith("/data/")) {
        const file = inside(root, path.slice(6));
        if (!file) return json(res, 403, { error: "outside the store" });
        if (/^\/data\/songs\/[^/]+\/song_map\.json$/.test(path) && existsSync(file)) {
          const data = readFileSync(file);
          res.writeHead(200, { "Content-Type": "application/json", "X-Performia-Version": sha256(data), "Cache-Control": "no-store" });
          return res.end(data);
        }
        return sendFile(req, res, file, { "Cache-Control": "no-cache" });
      }
      const file = inside(dist, path === "/" ? "index.html" : path.slice(1));
      if (file && existsSync(file) && statSync(file).isFile()) return sendFile(req, res, file);
      return sendFile(req, res, join(dist, "index.html"));
    } catch (e) {
      json(res, 500, { error: String(e) });
    }
  });
  return new Promise((ok) => server.listen(port, "127.0.0.1", () => ok({ server, url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((c) => server.close(c)) })));
}
