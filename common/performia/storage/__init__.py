"""Artifact stores: where stage outputs, Song Maps and stems live (a folder here, buckets later)."""

from performia.storage.base import ArtifactStore, NotFoundError
from performia.storage.local import LocalFolderStore

__all__ = ["ArtifactStore", "LocalFolderStore", "NotFoundError"]
