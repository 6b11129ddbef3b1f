"""cloudbuild.yaml: the steps in order, image names Terraform expects, substitutions that exist."""

from __future__ import annotations

import re

import yaml

from performia.deploy.plan import INFRA_DIR, REPO_ROOT

BUILD = yaml.safe_load((REPO_ROOT / "cloudbuild.yaml").read_text())
BUILT_IN = {"PROJECT_ID", "BUILD_ID", "PROJECT_NUMBER", "LOCATION"}


def test_steps_test_build_push_apply_publish_in_order():
    ids = [step["id"] for step in BUILD["steps"]]
    assert ids == [
        "test",
        "terraform-init",
        "registry",
        "build-cpu",
        "build-gpu",
        "push",
        "terraform-apply",
        "frontend",
    ]
    text = (REPO_ROOT / "cloudbuild.yaml").read_text()
    assert "make test" in text
    assert "npm ci" in text and "npm run build" in text
    assert "output -json frontend_config" in text and "dist/config.json" in text
    assert "-backend-config=prefix=${_ENV}" in text


def test_images_are_the_ones_terraform_deploys():
    main = (INFRA_DIR / "main.tf").read_text()
    registry = (INFRA_DIR / "registry.tf").read_text()
    assert 'repository_id = "performia-${var.environment}"' in registry
    for image in ("cpu", "gpu"):
        assert f'{image} = "${{local.registry}}/functions-{image}:${{var.image_tag}}"' in main
        step = next(s for s in BUILD["steps"] if s["id"] == f"build-{image}")
        assert f"--file=functions/Dockerfile.{image}" in step["args"]
        repo = "${_REGION}-docker.pkg.dev/${PROJECT_ID}/performia-${_ENV}"
        tag = f"{repo}/functions-{image}:${{BUILD_ID}}"
        assert f"--tag={tag}" in step["args"]
    assert "TF_VAR_image_tag=${BUILD_ID}" in BUILD["options"]["env"]


def test_every_substitution_is_defined_and_shell_variables_are_escaped():
    text = (REPO_ROOT / "cloudbuild.yaml").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    defined = set(BUILD["substitutions"]) | BUILT_IN
    for name in re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}", body):
        assert name in defined, f"${{{name}}} is not a substitution (write $${{{name}}} for shell)"
    # a bare $name is a substitution to Cloud Build: shell variables must be written $$name
    bare = re.findall(r"(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)", body)
    assert not bare, f"escape shell variables as $$name: {bare}"
