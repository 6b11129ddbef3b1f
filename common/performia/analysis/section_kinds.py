"""Section kinds and names: what a musician calls each labelled section of a song.

Pure rules on the output of the structure analysis (:mod:`performia.analysis.structure`): which
repeated sung material is the chorus, the verse or a pre-chorus, which once-only sections are the
intro, outro, solo or bridge, and the numbered names shown to a singer.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from performia.songmap.model import SectionKind

__all__ = ["section_kinds", "section_names"]

_TITLES = {
    "intro": "Intro",
    "verse": "Verse",
    "pre-chorus": "Pre-Chorus",
    "chorus": "Chorus",
    "bridge": "Bridge",
    "solo": "Solo",
    "instrumental": "Instrumental",
    "outro": "Outro",
    "section": "Section",
}


_MAIN = ("verse", "pre-chorus", "chorus")


def section_kinds(
    labels: Sequence[int],
    spans: Sequence[tuple[float, float]],
    energy: Sequence[float],
    sung: Sequence[bool] | None,
    lyric_sim: np.ndarray | None,
    *,
    bridge_after: float = 0.4,
) -> list[SectionKind]:
    """Kinds by the rules a musician would accept.

    * Material is *repeated* when it occurs twice or more, once at least inside the song (intro
      material coming back as the outro does not make a verse).
    * The chorus is the sung repeated label with the most occurrences, the most energy and the
      most repeated words; other sung repeated labels are verses, except one that is shorter
      than the verse and always sits between a verse and the chorus: the pre-chorus. Repeated
      material nobody sings over is instrumental.
    * A first section that is once-only or unsung and comes before any sung verse or chorus is
      the intro; a last one after them all, the outro.
    * Other once-only sections: a solo when unsung, a bridge when late in the song or after the
      first chorus, else a verse. With nothing repeated at all every section stays "section".

    Parameters
    ----------
    labels : sequence of int
        Cluster label of each section, in time order (same label, same material).
    spans : sequence of (float, float)
        Start and end (s) of each section; the last end is the song's duration.
    energy : sequence of float
        Mean level (dB) of each section.
    sung : sequence of bool or None
        Whether lyric lines cover each section; None when no lyric lines were given, so every
        section may be sung.
    lyric_sim : np.ndarray or None, shape (n, n)
        Share of lyric lines two sections have in common, or None without lyrics.
    bridge_after : float
        A once-only section starting after this share of the song is a bridge.

    Returns
    -------
    list of SectionKind
        One kind per section.

    Examples
    --------
    >>> section_kinds([0, 1, 0, 1], [(0, 8), (8, 16), (16, 24), (24, 32)], [-16, -12, -16, -12],
    ...               None, None)
    ['verse', 'chorus', 'verse', 'chorus']
    """
    n = len(labels)
    members: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        members.setdefault(lab, []).append(i)
    repeated = [lab for lab, m in members.items() if len(m) >= 2 and any(0 < i < n - 1 for i in m)]
    if n == 1 or not repeated:
        return ["section"] * n

    def voiced(lab: int) -> bool:
        return sung is None or any(sung[i] for i in members[lab])

    def length(lab: int) -> float:
        return float(np.mean([spans[i][1] - spans[i][0] for i in members[lab]]))

    e = np.asarray(energy)
    e_z = (e - e.mean()) / (e.std() + 1e-6)

    def chorus_score(lab: int) -> float:
        m = members[lab]
        words = 0.0
        if lyric_sim is not None:
            words = float(np.mean([lyric_sim[i, j] for i, j in itertools.combinations(m, 2)]))
        return len(m) + float(np.clip(np.mean(e_z[m]), -1.5, 1.5)) + words

    pool = [lab for lab in repeated if voiced(lab)]
    chorus = max(pool, key=chorus_score) if pool else None
    verses = [lab for lab in pool if lab != chorus]
    pre = None
    if chorus is not None and len(verses) >= 2:
        leads = []
        for lab in verses:
            before = {labels[i - 1] if i else None for i in members[lab]}
            after = {labels[i + 1] if i + 1 < n else None for i in members[lab]}
            prev = next(iter(before)) if len(before) == 1 else None
            if after == {chorus} and prev in verses and length(lab) < length(prev):
                leads.append(lab)
        pre = min(leads, key=length) if leads else None

    kinds: list[SectionKind] = []
    for lab in labels:
        if lab == chorus:
            kinds.append("chorus")
        elif lab == pre:
            kinds.append("pre-chorus")
        elif lab in verses:
            kinds.append("verse")
        else:
            kinds.append("instrumental" if lab in repeated else "section")
    unsung = [sung is not None and not sung[i] for i in range(n)]
    main = [i for i in range(n) if kinds[i] in _MAIN and not unsung[i]]
    if not main:
        return kinds
    first_chorus = next((i for i in range(n) if kinds[i] == "chorus"), n)
    duration = spans[-1][1]
    for i, lab in enumerate(labels):
        once = lab not in repeated
        if i == 0 < main[0] and (once or unsung[i]):
            kinds[i] = "intro"
        elif i == n - 1 > main[-1] and (once or unsung[i]):
            kinds[i] = "outro"
        elif unsung[i] and kinds[i] in _MAIN:
            kinds[i] = "instrumental"  # the verse or chorus played without its words
        elif once:
            if unsung[i]:
                kinds[i] = "solo"
            elif spans[i][0] >= bridge_after * duration or i > first_chorus:
                kinds[i] = "bridge"
            else:
                kinds[i] = "verse"
    return kinds


def section_names(kinds: Sequence[str]) -> list[str]:
    """Display names for section kinds, numbered when a kind occurs more than once.

    Parameters
    ----------
    kinds : sequence of str
        Section kinds in time order, as :func:`section_kinds` returns them.

    Returns
    -------
    list of str
        ``"Song"`` for a single section, else e.g. ``"Verse 1"``, ``"Chorus"``.

    Examples
    --------
    >>> section_names(["intro", "verse", "chorus", "verse", "chorus"])
    ['Intro', 'Verse 1', 'Chorus 1', 'Verse 2', 'Chorus 2']
    """
    if len(kinds) == 1:
        return ["Song"]
    totals = {k: kinds.count(k) for k in set(kinds)}
    seen: dict[str, int] = {}
    out = []
    for k in kinds:
        seen[k] = seen.get(k, 0) + 1
        out.append(f"{_TITLES[k]} {seen[k]}" if totals[k] > 1 else _TITLES[k])
    return out
