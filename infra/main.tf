# Performia on Google Cloud: one environment (var.environment) in one project.
#
# Every function comes from local.plan (stages.tf.json, generated from the stage graph by
# `python -m performia.deploy.terraform --write`): one Cloud Run service, one service account
# and, for each stage, a topic with a push subscription and a dead-letter path.
locals {
  prefix = "performia-${var.environment}-"
  labels = { app = "performia", environment = var.environment }

  # The graph's GPU stages run on their CPU sizes when gpu_mode is "cpu".
  functions = {
    for name, f in local.plan.functions :
    name => f.gpu && var.gpu_mode == "cpu" ? local.plan.cpu_fallback[name] : f
  }
  # Functions fed by a topic of their own: the stages (the root stage's topic carries the
  # bucket's upload notifications).
  stage_functions = { for name, f in local.functions : name => f if contains(["upload", "stage"], f.trigger) }
  upload_function = one([for name, f in local.functions : name if f.trigger == "upload"])
  # Functions Pub/Sub pushes to (stages and dead_letter) and those the frontend calls.
  pushed_functions = { for name, f in local.functions : name => f if f.trigger != "http" }
  http_functions   = { for name, f in local.functions : name => f if f.trigger == "http" }
  # Resource ids allow hyphens, not underscores.
  ids = { for name in keys(local.functions) : name => replace(name, "_", "-") }

  bucket_name     = "${var.project_id}-${var.environment}-performia"
  site_id         = var.hosting_site_id != "" ? var.hosting_site_id : trim(substr("${var.project_id}-${var.environment}", 0, 30), "-")
  frontend_origin = var.frontend_origin != "" ? var.frontend_origin : "https://${local.site_id}.web.app"
  registry        = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
  images = {
    cpu = "${local.registry}/functions-cpu:${var.image_tag}"
    gpu = "${local.registry}/functions-gpu:${var.image_tag}"
  }
}
