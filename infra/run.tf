# One Cloud Run service per function of the plan, all from two images: functions-cpu and
# functions-gpu (functions/Dockerfile.cpu, functions/Dockerfile.gpu). FUNCTION_SOURCE and
# FUNCTION_TARGET choose the function, as `functions-framework --source … --target main` would.
locals {
  common_env = [
    { name = "GOOGLE_CLOUD_PROJECT", value = var.project_id },
    { name = "PERFORMIA_BUCKET", value = google_storage_bucket.data.name },
    { name = "PERFORMIA_TOPIC_PREFIX", value = local.prefix },
    { name = "PERFORMIA_ALLOWED_ORIGIN", value = local.frontend_origin },
    { name = "PERFORMIA_ASR_MODEL", value = var.asr_model },
    { name = "PERFORMIA_PROFILE", value = var.engine_profile },
    { name = "FUNCTION_TARGET", value = "main" },
  ]
}

resource "google_cloud_run_v2_service" "function" {
  for_each = local.functions

  name                = "${local.prefix}${local.ids[each.key]}"
  location            = var.region
  deletion_protection = var.deletion_protection
  # Reached by Pub/Sub pushes and API Gateway over the internet; IAM decides who may invoke.
  ingress = "INGRESS_TRAFFIC_ALL"
  labels  = merge(local.labels, { function = local.ids[each.key] })

  template {
    service_account                  = google_service_account.function[each.key].email
    timeout                          = "${each.value.timeout_s}s"
    max_instance_request_concurrency = each.value.concurrency
    execution_environment            = "EXECUTION_ENVIRONMENT_GEN2"
    # The L4 without zonal redundancy: the cheaper GPU-second, best-effort across zones.
    gpu_zonal_redundancy_disabled = each.value.gpu ? true : null

    scaling {
      min_instance_count = 0
      max_instance_count = each.value.gpu && var.gpu_max_instances != null ? var.gpu_max_instances : each.value.max_instances
    }

    dynamic "node_selector" {
      for_each = each.value.gpu ? [each.value.accelerator] : []
      content {
        accelerator = node_selector.value
      }
    }

    containers {
      image = local.images[each.value.image]

      resources {
        limits = merge(
          { cpu = each.value.cpu, memory = each.value.memory },
          each.value.gpu ? { "nvidia.com/gpu" = "1" } : {},
        )
        # Request-based billing (CPU only while a request runs) everywhere but on GPUs, which
        # Cloud Run bills for the instance's lifetime.
        cpu_idle          = each.value.request_billing
        startup_cpu_boost = each.value.trigger == "http"
      }

      dynamic "env" {
        for_each = concat(local.common_env, each.value.env, [{ name = "FUNCTION_SOURCE", value = "/app/${each.value.source}" }])
        content {
          name  = env.value.name
          value = env.value.value
        }
      }
    }
  }

  depends_on = [google_project_service.apis]
}

# Who may invoke what. Nothing here is public: Pub/Sub's push identity invokes the stage and
# dead_letter services, the API Gateway's identity the HTTP functions.
resource "google_cloud_run_v2_service_iam_member" "pubsub_invokes" {
  for_each = local.pushed_functions

  name     = google_cloud_run_v2_service.function[each.key].name
  location = var.region
  role     = "roles/run.invoker"
  member   = google_service_account.pubsub_invoker.member
}

resource "google_cloud_run_v2_service_iam_member" "gateway_invokes" {
  for_each = local.http_functions

  name     = google_cloud_run_v2_service.function[each.key].name
  location = var.region
  role     = "roles/run.invoker"
  member   = google_service_account.gateway.member
}
