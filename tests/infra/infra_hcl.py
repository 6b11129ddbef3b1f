"""Reading infra/ in tests: every ``.tf`` parsed with python-hcl2, quotes and markers removed."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from performia.deploy.plan import INFRA_DIR

__all__ = ["INFRA_DIR", "blocks", "load", "resources", "tf_files"]


def tf_files(root: Path = INFRA_DIR) -> list[Path]:
    return sorted(root.rglob("*.tf"))


_MARKERS = ("__is_block__", "__comments__")


def _clean(value: Any) -> Any:
    """python-hcl2 keeps a string's quotes and marks blocks; tests want the plain values."""
    if isinstance(value, dict):
        return {
            _clean(k): _clean(v)
            for k, v in value.items()
            if k not in ("__is_block__", "__comments__")
        }
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


@cache
def load(path: Path) -> dict[str, Any]:
    try:
        import hcl2
    except ImportError:  # a hard failure: these checks must not vanish when a pin is missing
        raise ImportError("tests/infra needs python-hcl2: pip install python-hcl2==8.1.4") from None

    with open(path) as f:
        return _clean(hcl2.load(f))


def blocks(kind: str, root: Path = INFRA_DIR) -> list[tuple[Path, dict[str, Any]]]:
    """Every top-level ``kind`` block (resource, variable, output …) with its file."""
    return [(p, b) for p in tf_files(root) for b in load(p).get(kind, [])]


def resources(rtype: str | None = None, root: Path = INFRA_DIR) -> dict[str, dict[str, Any]]:
    """``"type.name"`` → body, for every resource (of ``rtype``) under ``root``."""
    found: dict[str, dict[str, Any]] = {}
    for path, block in blocks("resource", root):
        for kind, named in block.items():
            for name, body in named.items():
                if rtype is None or kind == rtype:
                    key = (
                        f"{kind}.{name}"
                        if path.parent == root
                        else f"{path.parent.name}:{kind}.{name}"
                    )
                    found[key] = body
    return found
