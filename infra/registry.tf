# Where Cloud Build pushes functions-cpu and functions-gpu. Cloud Run pulls with its service
# agent, which reads the project's repositories by default.
resource "google_artifact_registry_repository" "images" {
  repository_id = "performia-${var.environment}"
  location      = var.region
  format        = "DOCKER"
  description   = "Performia ${var.environment} function images"
  labels        = local.labels

  cleanup_policy_dry_run = false
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.apis]
}
