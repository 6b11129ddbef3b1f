"""infra/ against the stage graph and the cloud code, parsed with python-hcl2.

Terraform's providers cannot be downloaded on the build machine, so nothing here plans or
applies; ``terraform fmt`` and ``terraform console`` (which need no provider) run when the binary
is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from infra_hcl import INFRA_DIR, blocks, load, resources, tf_files

from performia.cloud.library import LIBRARY_KEY
from performia.cloud.messages import UPLOADS_PREFIX
from performia.cloud.runtime import topic_id
from performia.deploy import terraform as deploy_tf
from performia.deploy.plan import build_plan
from performia.pipeline.graph import GRAPH
from performia.stages.context import artifact_key

TERRAFORM = shutil.which("terraform")
PUBLIC = ("allUsers", "allAuthenticatedUsers")
GENERATED = json.loads(deploy_tf.GENERATED_PATH.read_text())["locals"]["plan"]


def _terraform(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [TERRAFORM, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.skipif(TERRAFORM is None, reason="the terraform binary is not installed")
def test_terraform_fmt():
    result = _terraform("fmt", "-check", "-recursive", "-diff", str(INFRA_DIR), cwd=INFRA_DIR)
    assert result.returncode == 0, f"run `terraform fmt -recursive infra`:\n{result.stdout}"


def test_every_tf_file_parses():
    files = tf_files()
    assert len(files) >= 10
    for path in files:
        assert load(path), f"{path} is empty"


def test_generated_plan_is_up_to_date():
    assert deploy_tf.GENERATED_PATH.read_text() == deploy_tf.render(), (
        "infra/stages.tf.json is out of date: run python -m performia.deploy.terraform --write"
    )


def test_generated_plan_covers_the_graph():
    assert GENERATED["stages"] == list(GRAPH.names)
    assert GENERATED["roots"] == list(GRAPH.roots())
    functions = GENERATED["functions"]
    for spec in GRAPH:
        f = functions[spec.name]
        assert f["trigger"] in ("upload", "stage")
        assert f["gpu"] == spec.gpu
        assert f["accelerator"] == ("nvidia-l4" if spec.gpu else "")
        assert Path(INFRA_DIR.parent, f["source"]).is_file()
    assert set(GENERATED["cpu_fallback"]) == {s.name for s in GRAPH if s.gpu}
    for image, data in GENERATED["images"].items():
        assert data["functions"] == sorted(n for n, f in functions.items() if f["image"] == image)


def test_every_function_gets_a_service_and_an_account_from_the_plan():
    main = (INFRA_DIR / "main.tf").read_text()
    assert "local.plan.functions" in main and "local.plan.cpu_fallback[name]" in main
    run = resources("google_cloud_run_v2_service")["google_cloud_run_v2_service.function"]
    assert run["for_each"] == "${local.functions}"
    accounts = resources("google_service_account")
    assert accounts["google_service_account.function"]["for_each"] == "${local.functions}"
    assert run["template"][0]["service_account"] == (
        "${google_service_account.function[each.key].email}"
    )
    # every stage (trigger upload or stage) gets a queue: topic, push subscription, dead letters
    locals_ = [b for _, b in blocks("locals")]
    stage_functions = next(b["stage_functions"] for b in locals_ if "stage_functions" in b)
    assert '["upload", "stage"]' in stage_functions.replace("'", '"')
    queue = next(
        body for _, block in blocks("module") for name, body in block.items() if name == "queue"
    )
    assert queue["for_each"] == "${local.stage_functions}"
    assert queue["source"] == "./modules/stage_queue"
    assert queue["name"] == "${local.prefix}${each.key}"


def test_gpu_services_take_an_l4_without_zonal_redundancy():
    template = resources("google_cloud_run_v2_service")["google_cloud_run_v2_service.function"][
        "template"
    ][0]
    assert template["gpu_zonal_redundancy_disabled"] == "${each.value.gpu ? true : null}"
    selector = template["dynamic"][0]["node_selector"]
    assert selector["for_each"] == "${each.value.gpu ? [each.value.accelerator] : []}"
    container = template["containers"][0]
    limits = container["resources"][0]["limits"]
    assert '"nvidia.com/gpu" = "1"' in limits.replace("'", '"')
    assert container["resources"][0]["cpu_idle"] == "${each.value.request_billing}"
    assert template["scaling"][0]["min_instance_count"] == 0


def test_topics_and_environment_match_the_runtime():
    run_text = (INFRA_DIR / "run.tf").read_text()
    for name, value in (
        ("PERFORMIA_TOPIC_PREFIX", "local.prefix"),
        ("PERFORMIA_BUCKET", "google_storage_bucket.data.name"),
        ("GOOGLE_CLOUD_PROJECT", "var.project_id"),
        ("FUNCTION_TARGET", '"main"'),
        ("FUNCTION_SOURCE", '"/app/${each.value.source}"'),
    ):
        assert f'name = "{name}", value = {value}' in run_text, name
    # the adapter publishes to topic_id(stage, prefix); Terraform names the topic prefix + stage
    assert topic_id("rhythm", "performia-prod-") == "performia-prod-rhythm"
    assert 'prefix = "performia-${var.environment}-"' in (INFRA_DIR / "main.tf").read_text()


def test_bucket_prefixes_match_the_code():
    folders = resources("google_storage_managed_folder")["google_storage_managed_folder.prefix"]
    names = set(json.loads(folders["for_each"].removeprefix("${toset(").removesuffix(")}")))
    assert names == {UPLOADS_PREFIX, "jobs/", "songs/"}
    assert LIBRARY_KEY.startswith("songs/")
    assert artifact_key("j", "rhythm", "fp", "rhythm.json").startswith("jobs/")
    note = resources("google_storage_notification")["google_storage_notification.uploads"]
    assert note["object_name_prefix"] == UPLOADS_PREFIX
    assert note["event_types"] == ["OBJECT_FINALIZE"]
    assert note["payload_format"] == "JSON_API_V1"
    gcs = resources("google_pubsub_topic_iam_member")[
        "google_pubsub_topic_iam_member.gcs_publishes_uploads"
    ]
    assert gcs["role"] == "roles/pubsub.publisher"
    assert "google_storage_project_service_account" in gcs["member"]
    bucket = resources("google_storage_bucket")["google_storage_bucket.data"]
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["cors"][0]["origin"] == ["${local.frontend_origin}"]
    assert set(bucket["cors"][0]["method"]) == {"GET", "HEAD", "PUT"}


def _iam_bindings():
    for key, body in resources().items():
        if "_iam_" in key and "member" in body:
            yield key, body


def test_nothing_is_public():
    """Nothing a user uploads may be public: no IAM binding names allUsers or
    allAuthenticatedUsers, and the bucket enforces public-access prevention."""
    public = [k for k, b in _iam_bindings() if any(p in b["member"] for p in PUBLIC)]
    assert public == []
    bucket = resources("google_storage_bucket")["google_storage_bucket.data"]
    assert bucket["public_access_prevention"] == "enforced"
    assert not any("allUsers" in path.read_text() for path in tf_files())


def test_no_function_is_publicly_invokable():
    invokers = {k: b for k, b in _iam_bindings() if b.get("role") == "roles/run.invoker"}
    assert set(invokers) == {
        "google_cloud_run_v2_service_iam_member.pubsub_invokes",
        "google_cloud_run_v2_service_iam_member.gateway_invokes",
    }
    assert invokers["google_cloud_run_v2_service_iam_member.pubsub_invokes"]["for_each"] == (
        "${local.pushed_functions}"
    )
    assert invokers["google_cloud_run_v2_service_iam_member.gateway_invokes"]["for_each"] == (
        "${local.http_functions}"
    )
    services = resources("google_cloud_run_v2_service")["google_cloud_run_v2_service.function"]
    assert "invoker_iam_disabled" not in services  # no bypass of the invoker check


def test_dead_letter_path_and_its_iam():
    module = INFRA_DIR / "modules" / "stage_queue"
    r = resources(root=module)
    push = r["google_pubsub_subscription.push"]
    assert (
        push["dead_letter_policy"][0]["dead_letter_topic"]
        == "${google_pubsub_topic.dead_letter.id}"
    )
    assert push["dead_letter_policy"][0]["max_delivery_attempts"] == "${var.max_delivery_attempts}"
    assert push["retry_policy"][0]["minimum_backoff"] == "${var.min_backoff_s}s"
    assert push["expiration_policy"][0]["ttl"] == ""
    oidc = push["push_config"][0]["oidc_token"][0]
    assert oidc["service_account_email"] == "${var.invoker_email}"
    assert push["ack_deadline_seconds"] == "${var.ack_deadline_s}"
    dead = r["google_pubsub_subscription.dead_letter"]
    assert dead["topic"] == "${google_pubsub_topic.dead_letter.id}"
    assert dead["push_config"][0]["push_endpoint"] == "${var.dead_letter_endpoint}"
    pub = r["google_pubsub_topic_iam_member.agent_publishes_dead_letters"]
    assert (pub["topic"], pub["role"], pub["member"]) == (
        "${google_pubsub_topic.dead_letter.id}",
        "roles/pubsub.publisher",
        "${var.pubsub_agent}",
    )
    sub = r["google_pubsub_subscription_iam_member.agent_forwards_dead_letters"]
    assert (sub["subscription"], sub["role"], sub["member"]) == (
        "${google_pubsub_subscription.push.id}",
        "roles/pubsub.subscriber",
        "${var.pubsub_agent}",
    )


def test_frontend_config_output_has_the_contract_fields():
    outputs = {name: body for _, b in blocks("output") for name, body in b.items()}
    config = outputs["frontend_config"]["value"]
    assert set(config) == {
        "mode",
        "versionHeader",
        "libraryUrl",
        "saveSongUrl",
        "realignUrl",
        "uploadUrl",
        "kbQueryUrl",
        "firestore",
        "openSong",
    }
    assert config["mode"] == "cloud"
    assert set(config["firestore"]) == {"projectId", "apiKey", "authDomain"}


@pytest.mark.skipif(TERRAFORM is None, reason="the terraform binary is not installed")
def test_openapi_requires_a_firebase_token_except_for_preflights(tmp_path):
    http = sorted(n for n, f in build_plan().functions.items() if f.trigger == "http")
    backends = ", ".join(
        f'{n} = {{ address = "https://{n}.run.app", deadline = 30 }}' for n in http
    )
    template = INFRA_DIR / "api" / "openapi.yaml.tftpl"
    expr = (
        f'templatefile("{template}", {{ title = "t", project_id = "demo-p", '
        f"backends = {{ {backends} }} }})"
    )
    result = _terraform("console", cwd=tmp_path, stdin=expr + "\n")
    assert result.returncode == 0, result.stderr
    text = result.stdout.strip()
    text = text.removeprefix("<<EOT").removesuffix("EOT").strip("\n")
    doc = yaml.safe_load(text)
    firebase = doc["securityDefinitions"]["firebase"]
    assert firebase["x-google-issuer"] == "https://securetoken.google.com/demo-p"
    assert firebase["x-google-audiences"] == "demo-p"
    assert set(doc["paths"]) == {f"/{n}" for n in http}
    for name in http:
        path = doc["paths"][f"/{name}"]
        assert path["post"]["security"] == [{"firebase": []}]
        assert path["post"]["x-google-backend"]["address"] == f"https://{name}.run.app"
        assert path["options"]["security"] == []


def test_variables_validate_the_environment():
    variables = {name: body for _, b in blocks("variable") for name, body in b.items()}
    assert {"project_id", "region", "environment", "image_tag", "gpu_mode"} <= set(variables)
    assert variables["gpu_mode"]["default"] == "gpu"
    assert "validation" in variables["environment"]
    # service account ids are pf-ENV-NAME (hyphens for underscores): at most 30 characters
    # with the longest environment the validation allows (15)
    names = [n.replace("_", "-") for n in GENERATED["functions"]] + ["pubsub-push", "gateway"]
    assert max(len(f"pf-{'e' * 15}-{n}") for n in names) <= 30


def _policy(text: str) -> dict[str, set[str]]:
    return {part.split()[0]: set(part.split()[1:]) for part in text.split(";") if part.strip()}


def test_the_hosted_site_sends_the_viewers_policy_plus_the_cloud_origins():
    """The browser tests run the app under the viewer's Content-Security-Policy; the hosted
    site's (infra/hosting/firebase.json) must allow at least as much, plus the bucket, Firebase
    and the API, and forbid framing the same way."""
    import json
    from pathlib import Path

    from performia.viewer.app import CONTENT_SECURITY_POLICY

    hosting = json.loads((Path(__file__).parents[2] / "infra/hosting/firebase.json").read_text())
    (everything,) = [h for h in hosting["hosting"]["headers"] if h["source"] == "**"]
    headers = {h["key"]: h["value"] for h in everything["headers"]}
    hosted, local = _policy(headers["Content-Security-Policy"]), _policy(CONTENT_SECURITY_POLICY)
    for directive, sources in local.items():
        assert sources <= hosted[directive], directive
    assert hosted["frame-ancestors"] == {"'none'"} and headers["X-Frame-Options"] == "DENY"
    assert "https://storage.googleapis.com" in hosted["connect-src"] & hosted["media-src"]
    assert "https://*.gateway.dev" in hosted["connect-src"]  # the API Gateway's host


def test_job_records_expire_on_the_field_the_store_writes():
    """Firestore's TTL policy deletes jobs on ``expireAt``, the timestamp FirestoreJobStore
    writes (tests/jobs/test_job_stores.py checks the values on the emulator)."""
    import inspect

    from performia.jobs import firestore

    field = resources("google_firestore_field")["google_firestore_field.jobs_expire"]
    assert (field["collection"], field["field"]) == ("jobs", "expireAt")
    assert "ttl_config" in field
    assert '"expireAt"' in inspect.getsource(firestore.FirestoreJobStore._document)


def test_quota_documents_expire_on_the_field_the_quota_store_writes():
    import inspect

    from performia.cloud import quotas

    field = resources("google_firestore_field")["google_firestore_field.quotas_expire"]
    assert (field["collection"], field["field"]) == ("quotas", "expireAt")
    assert "ttl_config" in field
    assert inspect.getsource(quotas.FirestoreQuotaStore).count('"expireAt"') == 2
