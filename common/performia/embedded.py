"""The embedded mode: analyse one file into a folder, with no cloud.

The output folder is an artifact store laid out like the bucket (``uploads/…``, ``jobs/{job}/…``)
plus ``song_map.json`` at its root and the job record in ``.performia/jobs.sqlite``. The Song Map
is also published into the library layout (``songs/index.json``, ``songs/{id}/song_map.json``),
so the folder is a library that ``performia view`` serves, and songs analysed into the same folder
add up. Reruns on the same recording reuse every stage whose inputs did not change.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from performia.cloud.library import publish_song
from performia.errors import BadInputError, StageFailedError
from performia.jobs.base import JobRecord
from performia.jobs.sqlite import SQLiteJobStore
from performia.pipeline.graph import GRAPH, Graph
from performia.pipeline.runner import EventHandler, run_job
from performia.settings import Settings, get_settings, output_params, stage_workers
from performia.songmap.io import parse_song_map, write_song_map
from performia.songmap.model import SongMap
from performia.stages.context import artifact_key
from performia.storage.local import LocalFolderStore

__all__ = ["AnalysisResult", "analyze_file", "check_readable"]

SONG_MAP_NAME = "song_map.json"


@dataclass(frozen=True)
class AnalysisResult:
    song: SongMap
    song_map_path: Path
    job: JobRecord


def _can_read(path: Path) -> bool:
    """Open for reading, as the analysis will (``os.access`` disagrees with ACLs and root)."""
    try:
        with path.open("rb"):
            return True
    except PermissionError:
        return False


def check_readable(path: Path, *, settings: Settings) -> int:
    """Fail early, with the reason, for paths that cannot be a recording; returns the size."""
    if not path.exists():
        raise BadInputError(f"cannot read {path}: no such file")
    if path.is_dir():
        raise BadInputError(f"cannot read {path}: it is a folder, not an audio file")
    if not _can_read(path):
        raise BadInputError(f"cannot read {path}: permission denied")
    size = path.stat().st_size
    if size == 0:
        raise BadInputError(f"{path.name} is empty (0 bytes)")
    if size > settings.max_file_mb * 1e6:
        raise BadInputError(
            f"{path.name} is {size / 1e6:.0f} MB; the limit is {settings.max_file_mb:.0f} MB "
            "(PERFORMIA_MAX_FILE_MB changes it)"
        )
    return size


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\- ]+", "_", name).strip(" .") or "audio"
    return cleaned[:120]


def analyze_file(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    params: dict[str, Any] | None = None,
    graph: Graph = GRAPH,
    on_event: EventHandler | None = None,
    settings: Settings | None = None,
) -> AnalysisResult:
    """Run the pipeline on ``path``, write ``out_dir/song_map.json`` and publish it into
    ``out_dir/songs/`` (:func:`~performia.cloud.library.publish_song`).

    Raises
    ------
    BadInputError
        For a path or recording that cannot be analysed; nothing is left behind in ``out_dir``.
    StageFailedError
        When a stage fails for another reason; finished stages are kept so a rerun resumes.
    """
    settings = settings or get_settings()
    src = Path(path)
    check_readable(src, settings=settings)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BadInputError(f"cannot write to {out}: it is a file, not a folder")
    data = src.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    job_id = digest[:16]
    created = not out.exists()
    store = LocalFolderStore(out)
    upload_key = f"uploads/{job_id}/{_safe_name(src.name)}"
    jobs: SQLiteJobStore | None = None
    fresh_upload = not store.exists(upload_key)
    try:
        if fresh_upload:
            store.put(upload_key, data)
        jobs = SQLiteJobStore(out / ".performia" / "jobs.sqlite")
        record = run_job(
            job_id,
            input={
                "key": upload_key,
                "filename": src.name,
                "sha256": digest,
                "sizeBytes": len(data),
            },
            # engine choices are parameters, so changing one re-runs exactly what it affects
            params={**output_params(settings), **(params or {})},
            store=store,
            jobs=jobs,
            graph=graph,
            workers=stage_workers(settings),
            on_event=on_event,
        )
        package = record.stages["package"]
        key = artifact_key(job_id, "package", package.fingerprint or "", SONG_MAP_NAME)
        song = parse_song_map(store.get(key), source=key)
        target = write_song_map(song, out / SONG_MAP_NAME)
        publish_song(store, song)  # an unchanged Song Map (a rerun) rewrites nothing
        return AnalysisResult(song, target, record)
    except (BadInputError, StageFailedError) as exc:
        if exc.exit_code == 2 and fresh_upload:
            if jobs is not None:
                jobs.close()
            _discard(out, created=created, job_id=job_id)
        raise
    finally:
        if jobs is not None:
            jobs.close()


def _discard(out: Path, *, created: bool, job_id: str) -> None:
    """A rejected new input leaves nothing: the folder if this run made it, else its own files."""
    if created:
        shutil.rmtree(out, ignore_errors=True)
        return
    for sub in (out / "uploads" / job_id, out / "jobs" / job_id):
        shutil.rmtree(sub, ignore_errors=True)
    db = out / ".performia" / "jobs.sqlite"
    if db.exists():
        SQLiteJobStore(db).delete(job_id)
