"""Performia: turn a song recording into a Song Map a performer can read.

The package is laid out so that data flows one way: cloud functions → cloud adapter → stages →
analysis. ``analysis`` holds pure functions (arrays in, frozen dataclasses out); ``stages`` wrap one
analysis call each with what they read and write; ``pipeline`` declares the stage graph once and
holds the scheduling logic every runner shares.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("performia")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
