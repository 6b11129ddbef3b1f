/**
 * Cloud uploads: drop a recording (or pick one), watch the upload bar, then each analysis stage
 * live from Firestore. Jobs in progress are remembered across reloads; a failed one says why in
 * words and can be retried with the same file while the page is open.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { AppConfig } from "../data/config";
import { jobErrorMessage, orderedStages, stageLabel, watchJob, type JobDoc } from "../data/jobs";
import { audioType, uploadFile, type UploadHandle, type UploadProgress } from "../data/upload";
import "./Library.css";

interface UploadItem {
  id: string;
  name: string;
  file: File | null;
  phase: "requesting" | "uploading" | "processing" | "done" | "failed";
  upload: UploadProgress | null;
  jobId: string | null;
  job: JobDoc | null;
  error: string | null;
}

const STORAGE_KEY = "performia.jobs";
const MAX_BYTES = 500 * 1024 * 1024;

function remembered(): UploadItem[] {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "[]") as { jobId: string; name: string }[];
    return saved.map((s) => ({ id: s.jobId, name: s.name, file: null, phase: "processing", upload: null, jobId: s.jobId, job: null, error: null }));
  } catch {
    return [];
  }
}

function remember(items: UploadItem[]): void {
  const active = items.filter((i) => i.jobId && i.phase === "processing").map((i) => ({ jobId: i.jobId, name: i.name }));
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(active));
  } catch {
    /* ignore */
  }
}

export function UploadPanel({
  config,
  onSongReady,
  onOpen,
}: {
  config: AppConfig;
  onSongReady: () => void;
  onOpen: (songId: string) => void;
}) {
  const [items, setItems] = useState<UploadItem[]>(remembered);
  const [dragging, setDragging] = useState(false);
  const handles = useRef(new Map<string, UploadHandle>());
  const watchers = useRef(new Map<string, () => void>());
  const input = useRef<HTMLInputElement>(null);

  const patch = useCallback((id: string, p: Partial<UploadItem>) => {
    setItems((all) => {
      const next = all.map((i) => (i.id === id ? { ...i, ...p } : i));
      remember(next);
      return next;
    });
  }, []);

  const watch = useCallback(
    (id: string, jobId: string) => {
      if (!config.firestore) {
        patch(id, { phase: "failed", error: "this deployment has no Firestore configured, so progress cannot be shown" });
        return;
      }
      watchers.current.get(id)?.();
      const stop = watchJob(
        config.firestore,
        jobId,
        (job) => {
          if (!job) return; // not created yet
          if (job.status === "DONE") {
            patch(id, { job, phase: "done" });
            onSongReady();
          } else if (job.status === "FAILED") patch(id, { job, phase: "failed", error: jobErrorMessage(job) });
          else patch(id, { job, phase: "processing" });
        },
        (message) => patch(id, { error: message }),
      );
      watchers.current.set(id, stop);
    },
    [config.firestore, onSongReady, patch],
  );

  // Resume watching the jobs remembered from an earlier visit.
  useEffect(() => {
    items.forEach((i) => i.jobId && i.phase === "processing" && !watchers.current.has(i.id) && watch(i.id, i.jobId));
    const all = watchers.current;
    return () => {
      all.forEach((stop) => stop());
      all.clear();
    };
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const start = useCallback(
    (file: File, replaceId?: string) => {
      const id = replaceId ?? `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
      const item: UploadItem = { id, name: file.name, file, phase: "requesting", upload: null, jobId: null, job: null, error: null };
      if (!audioType(file.name)) {
        item.phase = "failed";
        item.error = `“${file.name}” is not an audio file Performia reads (MP3, WAV, FLAC, OGG, Opus, M4A or AAC)`;
      } else if (file.size > MAX_BYTES) {
        item.phase = "failed";
        item.error = `“${file.name}” is ${(file.size / 2 ** 20).toFixed(0)} MB; the limit is ${MAX_BYTES / 2 ** 20} MB`;
      }
      setItems((all) => (replaceId ? all.map((i) => (i.id === id ? item : i)) : [item, ...all]));
      if (item.phase === "failed") return;
      const handle = uploadFile(config.uploadUrl!, file, (p) => patch(id, { phase: "uploading", upload: p }));
      handles.current.set(id, handle);
      handle.ticket.then((t) => patch(id, { jobId: t.jobId, phase: "uploading" })).catch(() => undefined);
      handle.done
        .then((t) => {
          patch(id, { phase: "processing", jobId: t.jobId });
          watch(id, t.jobId);
        })
        .catch((e: Error) => {
          if (e.name === "AbortError") patch(id, { phase: "failed", error: "upload cancelled" });
          else patch(id, { phase: "failed", error: e.message });
        })
        .finally(() => handles.current.delete(id));
    },
    [config.uploadUrl, patch, watch],
  );

  const onFiles = (files: FileList | null) => {
    if (files) Array.from(files).forEach((f) => start(f));
  };

  return (
    <section className="uploads" aria-label="Add recordings">
      <div
        className={`dropzone${dragging ? " over" : ""}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          onFiles(e.dataTransfer.files);
        }}
      >
        <p>
          <strong>Drop a recording here</strong> to make its Living Chart, or{" "}
          <button className="link" onClick={() => input.current?.click()}>
            choose a file
          </button>
          .
        </p>
        <p className="muted small">MP3, WAV, FLAC, OGG, Opus, M4A or AAC; analysis takes a minute or two.</p>
        <input ref={input} type="file" accept={Object.keys({ ".mp3": 1, ".wav": 1, ".flac": 1, ".ogg": 1, ".opus": 1, ".m4a": 1, ".aac": 1 }).join(",")} multiple hidden data-testid="file-input" onChange={(e) => onFiles(e.target.files)} />
      </div>
      {items.length > 0 && (
        <ul className="jobs">
          {items.map((item) => (
            <JobCard
              key={item.id}
              item={item}
              onCancel={() => handles.current.get(item.id)?.abort()}
              onRetry={item.file ? () => start(item.file!, item.id) : undefined}
              onDismiss={() =>
                setItems((all) => {
                  watchers.current.get(item.id)?.();
                  const next = all.filter((i) => i.id !== item.id);
                  remember(next);
                  return next;
                })
              }
              onOpen={onOpen}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function Bar({ value, label, testid }: { value: number; label: string; testid?: string }) {
  const pct = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div className="bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} data-testid={testid}>
      <div className="fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

function JobCard({
  item,
  onCancel,
  onRetry,
  onDismiss,
  onOpen,
}: {
  item: UploadItem;
  onCancel: () => void;
  onRetry?: () => void;
  onDismiss: () => void;
  onOpen: (songId: string) => void;
}) {
  const uploadFraction = item.upload && item.upload.total ? item.upload.loaded / item.upload.total : 0;
  const job = item.job;
  return (
    <li className={`job ${item.phase}`} data-testid="job" data-phase={item.phase} data-job-id={item.jobId ?? ""}>
      <div className="job-head">
        <strong className="name">{item.name}</strong>
        <span className="phase" data-testid="job-status">
          {item.phase === "requesting" && "Starting…"}
          {item.phase === "uploading" && `Uploading ${Math.round(uploadFraction * 100)}%`}
          {item.phase === "processing" && `Analysing ${Math.round((job?.progress ?? 0) * 100)}%`}
          {item.phase === "done" && "Ready"}
          {item.phase === "failed" && "Failed"}
        </span>
        <span className="actions">
          {(item.phase === "uploading" || item.phase === "requesting") && <button className="ghost" onClick={onCancel}>Cancel</button>}
          {item.phase === "done" && job?.songId && (
            <button onClick={() => onOpen(job.songId!)} data-testid="job-open">
              Open
            </button>
          )}
          {item.phase === "failed" && onRetry && (
            <button onClick={onRetry} data-testid="job-retry">
              Retry
            </button>
          )}
          {(item.phase === "done" || item.phase === "failed") && <button className="ghost" onClick={onDismiss} aria-label="Dismiss">×</button>}
        </span>
      </div>
      {(item.phase === "uploading" || item.phase === "requesting") && <Bar value={uploadFraction} label="Upload progress" testid="upload-progress" />}
      {(item.phase === "processing" || item.phase === "done") && <Bar value={item.phase === "done" ? 1 : job?.progress ?? 0} label="Analysis progress" testid="job-progress" />}
      {job && item.phase !== "done" && (
        <ol className="stages">
          {orderedStages(job).map(([name, run]) => (
            <li key={name} className={`stage ${run.state}`} data-testid={`stage-${name}`} data-state={run.state}>
              <span className="dot" aria-hidden="true" />
              <span>{stageLabel(name)}</span>
              <span className="muted small">
                {run.state === "running" && run.progress ? `${Math.round(run.progress * 100)}%` : run.state}
                {run.reused ? " (reused)" : ""}
                {run.seconds != null && run.state === "done" ? ` · ${run.seconds.toFixed(1)} s` : ""}
              </span>
            </li>
          ))}
        </ol>
      )}
      {item.error && (
        <p className="job-error" role="alert" data-testid="job-error">
          {item.error}
          {item.phase === "failed" && !onRetry && " — drop the file again to retry."}
        </p>
      )}
    </li>
  );
}
