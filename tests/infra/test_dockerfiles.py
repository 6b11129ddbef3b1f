"""functions/Dockerfile.cpu and functions/Dockerfile.gpu, linted (no image can be built here).

Each image installs the package with exactly the extras of the functions it serves (the plan's),
from a base pinned to an exact tag, runs as a non-root user, bakes its models in, and checks at
build time that every function it serves loads (``performia.deploy.smoke``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from performia.deploy.plan import REPO_ROOT, build_plan

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
EXTRAS = PYPROJECT["project"]["optional-dependencies"]
IMAGES = ("cpu", "gpu")


@dataclass(frozen=True)
class Instruction:
    stage: int
    keyword: str
    args: str


def parse(path: Path) -> list[Instruction]:
    """Instructions with continuation lines joined, numbered by build stage (0 = before FROM)."""
    lines, current = [], ""
    for raw in path.read_text().splitlines():
        if not current and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        current += raw.rstrip("\\").rstrip() + " " if raw.endswith("\\") else raw
        if not raw.endswith("\\"):
            lines.append(current.strip())
            current = ""
    out, stage = [], 0
    for line in lines:
        keyword, _, args = line.partition(" ")
        if keyword.upper() == "FROM":
            stage += 1
        out.append(Instruction(stage, keyword.upper(), args.strip()))
    return out


def dockerfile(image: str) -> Path:
    return REPO_ROOT / "functions" / f"Dockerfile.{image}"


def arg_defaults(instructions: list[Instruction], name: str) -> set[str]:
    return {
        i.args.split("=", 1)[1]
        for i in instructions
        if i.keyword == "ARG" and i.args.startswith(f"{name}=")
    }


@pytest.fixture(scope="module")
def plan():
    return build_plan()


@pytest.mark.parametrize("image", IMAGES)
def test_base_image_is_pinned_and_slim(image):
    text = dockerfile(image).read_text()
    assert text.startswith("# syntax=docker/dockerfile:1."), "pin the Dockerfile syntax"
    instructions = parse(dockerfile(image))
    (base,) = arg_defaults(instructions, "PYTHON_IMAGE")
    python = PYPROJECT["project"]["requires-python"]  # ">=3.11,<3.12"
    minor = re.search(r">=(\d+\.\d+)", python).group(1)
    assert re.fullmatch(
        rf"python:{re.escape(minor)}\.\d+-slim-bookworm(@sha256:[0-9a-f]{{64}})?", base
    )
    stages = set()
    for i in instructions:
        if i.keyword == "FROM":
            ref, _, alias = i.args.partition(" AS ")
            assert ref in ("${PYTHON_IMAGE}", *stages), f"FROM {ref}: use the pinned base"
            if alias:
                stages.add(alias.strip())
    assert "latest" not in text


@pytest.mark.parametrize("image", IMAGES)
def test_runs_as_a_non_root_user(image):
    instructions = parse(dockerfile(image))
    last = max(i.stage for i in instructions)
    users = [i for i in instructions if i.keyword == "USER" and i.stage == last]
    assert users, "the final stage sets USER"
    assert users[-1].args not in ("0", "root") and not users[-1].args.startswith("0:")
    after = instructions[instructions.index(users[-1]) :]
    assert not any(i.keyword == "USER" for i in after[1:])
    entry = [i for i in instructions if i.keyword == "ENTRYPOINT"]
    assert entry and entry[-1].args == '["functions-framework"]'
    # the build ends by loading every function, as that user
    smoke = [i for i in after if i.keyword == "RUN" and "performia.deploy.smoke" in i.args]
    assert smoke and "${FUNCTIONS}" in smoke[0].args


@pytest.mark.parametrize("image", IMAGES)
def test_installs_only_its_functions_extras(image, plan):
    instructions = parse(dockerfile(image))
    extras = arg_defaults(instructions, "EXTRAS")
    assert extras == {",".join(plan.image_extras(image))}, (
        f"EXTRAS in Dockerfile.{image}: python -m performia.deploy.terraform --extras {image}"
    )
    functions = arg_defaults(instructions, "FUNCTIONS")
    assert functions == {",".join(plan.image_functions(image))}, (
        f"FUNCTIONS in Dockerfile.{image}: python -m performia.deploy.terraform --functions {image}"
    )
    installs = [i.args for i in instructions if i.keyword == "RUN" and "pip install" in i.args]
    assert any('pip install ".[${EXTRAS}]"' in run for run in installs)
    for run in installs:  # nothing beside the extras but torch's pinned build and BeatNet
        for spec in re.findall(
            r'pip install (?:--index-url "\$\{TORCH_INDEX_URL\}" |--no-deps )?"([^"]+)"', run
        ):
            assert spec in (".[${EXTRAS}]", "torch==${TORCH_VERSION}", ".[kb,cli]", "${BEATNET}")
            assert spec != "${BEATNET}" or 'pip install --no-deps "${BEATNET}"' in run


def test_beatnet_is_the_makefiles_pin_where_rhythm_is_installed(plan):
    (pin,) = re.findall(r"^BEATNET := (\S+)$", (REPO_ROOT / "Makefile").read_text(), re.M)
    for image in IMAGES:
        if "rhythm" in plan.image_extras(image):
            assert arg_defaults(parse(dockerfile(image)), "BEATNET") == {pin}


@pytest.mark.parametrize("image", IMAGES)
def test_every_extra_exists(image, plan):
    missing = sorted(set(plan.image_extras(image)) - set(EXTRAS))
    assert not missing, (
        f"functions-{image} needs extras pyproject.toml does not define: {missing} "
        "(kb_query's extra `kb` comes with the knowledge base)"
    )


@pytest.mark.parametrize("image", IMAGES)
def test_torch_is_the_pinned_version(image):
    pins = {
        dep.split("==")[1] for deps in EXTRAS.values() for dep in deps if dep.startswith("torch==")
    }
    assert arg_defaults(parse(dockerfile(image)), "TORCH_VERSION") == pins


def test_gpu_image_has_cuda_12_and_bakes_the_weights():
    instructions = parse(dockerfile("gpu"))
    (index,) = arg_defaults(instructions, "TORCH_INDEX_URL")
    assert re.search(r"/whl/cu12\d$", index), "Cloud Run's L4 driver (535) runs CUDA 12 builds"
    (name,) = arg_defaults(instructions, "DEMUCS_FILE")
    (url,) = arg_defaults(instructions, "DEMUCS_URL")
    assert url.startswith("https://") and url.endswith("/" + name)
    bag = yaml.safe_load(files("demucs").joinpath("remote", "htdemucs.yaml").read_text())
    signature, checksum = name.removesuffix(".th").split("-")
    assert bag["models"] == [signature] and re.fullmatch(r"[0-9a-f]{8}", checksum)
    env = " ".join(i.args for i in instructions if i.keyword == "ENV")
    assert "PERFORMIA_SEPARATOR=demucs" in env
    assert "PERFORMIA_DEMUCS_REPO=/opt/performia/models/demucs" in env
    assert "PERFORMIA_CACHE=/opt/performia/cache" in env
    runs = " ".join(i.args for i in instructions if i.keyword == "RUN")
    assert "join_base_model" in runs  # Whisper base joined at build time, not per request


def test_cpu_image_takes_torch_from_the_cpu_index():
    (index,) = arg_defaults(parse(dockerfile("cpu")), "TORCH_INDEX_URL")
    assert index.endswith("/whl/cpu")


def test_build_context_holds_what_the_images_copy():
    ignore = [line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()]
    rules = [line for line in ignore if line and not line.startswith("#")]
    assert rules[0] == "*", "allow-list the context: everything else stays out"
    allowed = {r.removeprefix("!").rstrip("/") for r in rules if r.startswith("!")}
    for image in IMAGES:
        for i in parse(dockerfile(image)):
            if i.keyword == "COPY" and "--from=" not in i.args:
                *sources, _dest = i.args.split()
                for source in sources:
                    assert source.rstrip("/") in allowed, f"{source} is not in the build context"
                    assert (REPO_ROOT / source).exists()
