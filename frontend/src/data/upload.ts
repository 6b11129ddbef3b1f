/**
 * Uploading a recording: ask uploadUrl for a ticket (which also creates the job), then send the
 * bytes straight to the bucket with XMLHttpRequest — fetch() cannot report upload progress, and
 * a five-minute WAV on a slow line needs a progress bar.
 */
import { HttpError, postJson } from "./http";
import { AUDIO_TYPES, type UploadReply } from "../types/wire";

// The reply and the accepted types are generated from the Python (src/types/wire.ts).
export type UploadTicket = UploadReply;

/** The reply's headers as a plain map (the generated index signature allows undefined). */
function definedHeaders(headers: UploadReply["headers"] | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter((e): e is [string, string] => typeof e[1] === "string"));
}
export { AUDIO_TYPES };

/** The content type to declare for a file, from its extension; null when not audio we take. */
export function audioType(name: string): string | null {
  const dot = name.lastIndexOf(".");
  return dot >= 0 ? AUDIO_TYPES[name.slice(dot).toLowerCase()] ?? null : null;
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadHandle {
  /** Resolves with the ticket once the bytes are stored. */
  done: Promise<UploadTicket>;
  /** Resolves as soon as the job exists (before the bytes are sent). */
  ticket: Promise<UploadTicket>;
  abort(): void;
}

/** Send `bytes` with XHR, reporting progress; rejects with HttpError on a failed status. */
export function sendWithProgress(
  method: string,
  url: string,
  headers: Record<string, string>,
  bytes: Blob,
  onProgress: (p: UploadProgress) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : bytes.size });
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress({ loaded: bytes.size, total: bytes.size });
        resolve();
      } else {
        reject(new HttpError(`the upload was refused (${xhr.status}${xhr.statusText ? " " + xhr.statusText : ""})`, xhr.status));
      }
    };
    xhr.onerror = () => reject(new HttpError("the upload failed: the connection was lost", 0));
    xhr.onabort = () => reject(new DOMException("upload cancelled", "AbortError"));
    signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(bytes);
  });
}

/** Upload `file` through the deployment's uploadUrl. */
export function uploadFile(
  uploadUrl: string,
  file: File,
  onProgress: (p: UploadProgress) => void,
  params?: Record<string, unknown>,
): UploadHandle {
  const controller = new AbortController();
  const contentType = audioType(file.name) ?? file.type;
  const ticket = postJson<UploadTicket>(
    uploadUrl,
    { filename: file.name, size: file.size, contentType, ...(params ? { params } : {}) },
    controller.signal,
  );
  const done = ticket.then(async (t) => {
    await sendWithProgress(t.method || "PUT", t.uploadUrl, definedHeaders(t.headers), file, onProgress, controller.signal);
    return t;
  });
  return { ticket, done, abort: () => controller.abort() };
}
