/**
 * Live job progress from Firestore `jobs/{jobId}` (written by performia.jobs.firestore). The
 * Firebase SDK is large, so it is imported only when the first job is watched: the embedded
 * viewer never downloads it.
 */
import type { FirestoreConfig } from "./config";

// The job document and the stage order are generated from the Python models and the graph
// (src/types/wire.ts, `npm run types`): not declared here a second time.
import { STAGE_ORDER, type JobRecord, type StageName, type StageRun } from "../types/wire";

export type { JobStatus, StageRun, StageState } from "../types/wire";
export { STAGE_ORDER };
/** The camelCase Firestore document of performia.jobs.base.JobRecord. */
export type JobDoc = JobRecord;

export const STAGE_LABELS: Record<StageName, string> = {
  ingest: "Reading the audio",
  separate: "Separating voice and instruments",
  transcribe: "Transcribing the lyrics",
  melody: "Following the melody",
  rhythm: "Finding beats and bars",
  harmony: "Hearing the chords and key",
  structure: "Finding verses and choruses",
  package: "Writing the Living Chart",
};

/** What the Library calls a stage while it runs (its own name for one it does not know). */
export function stageLabel(name: string): string {
  return STAGE_LABELS[name as StageName] ?? name;
}

/** Stages in pipeline order, unknown ones after, for display. */
export function orderedStages(doc: JobDoc): [string, StageRun][] {
  const entries = Object.entries(doc.stages ?? {}).filter((e): e is [string, StageRun] => e[1] !== undefined);
  const rank = (name: string) => {
    const i = STAGE_ORDER.indexOf(name as StageName);
    return i < 0 ? STAGE_ORDER.length : i;
  };
  return entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/** A sentence for a failed job: the stage's own error, else the job's, else a plain default. */
export function jobErrorMessage(doc: JobDoc): string {
  const stage = doc.failedStage ? doc.stages?.[doc.failedStage] : undefined;
  const where = doc.failedStage ? ` while ${stageLabel(doc.failedStage).toLowerCase()}` : "";
  const why = doc.error || stage?.error || "the analysis stopped without saying why";
  return `Failed${where}: ${why}`;
}

type Unsubscribe = () => void;

let dbPromise: Promise<{ db: unknown; fs: typeof import("firebase/firestore") }> | null = null;

async function firestore(config: FirestoreConfig) {
  dbPromise ??= (async () => {
    const [{ getApps, initializeApp }, fs] = await Promise.all([import("firebase/app"), import("firebase/firestore")]);
    // one Firebase app per page: sign-in (data/auth.ts) may have made it already
    const app = getApps()[0] ?? initializeApp({
      projectId: config.projectId,
      apiKey: config.apiKey ?? "emulator-key",
      ...(config.authDomain ? { authDomain: config.authDomain } : {}),
    });
    const db = fs.getFirestore(app);
    if (config.emulatorHost) {
      const [host, port] = config.emulatorHost.split(":");
      fs.connectFirestoreEmulator(db, host!, Number(port ?? 8080));
    }
    return { db, fs };
  })();
  return dbPromise;
}

/**
 * Call `onChange` with every version of `jobs/{jobId}` until unsubscribed; `onError` gets a
 * readable message when the listener fails (permissions, network).
 */
export function watchJob(
  config: FirestoreConfig,
  jobId: string,
  onChange: (doc: JobDoc | null) => void,
  onError: (message: string) => void,
): Unsubscribe {
  let stop: Unsubscribe | null = null;
  let cancelled = false;
  firestore(config)
    .then(({ db, fs }) => {
      if (cancelled) return;
      stop = fs.onSnapshot(
        fs.doc(db as import("firebase/firestore").Firestore, "jobs", jobId),
        (snap) => onChange(snap.exists() ? ({ jobId, ...(snap.data() as Omit<JobDoc, "jobId">) } as JobDoc) : null),
        (err) => onError(`lost contact with the job's progress: ${err.message}`),
      );
    })
    .catch((e: Error) => onError(`could not load job progress: ${e.message}`));
  return () => {
    cancelled = true;
    stop?.();
  };
}
