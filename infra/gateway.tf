# The frontend's HTTP functions are not public. API Gateway checks the caller's Firebase Auth
# ID token, then invokes the function with its own service account's identity token; that
# account is the functions' only invoker (run.tf).
resource "google_service_account" "gateway" {
  account_id   = "pf-${var.environment}-gateway"
  display_name = "Performia ${var.environment} API Gateway"
  description  = "Identity API Gateway invokes the HTTP functions with, after checking the user's Firebase ID token."
}

resource "google_api_gateway_api" "http" {
  provider = google-beta

  api_id       = "performia-${var.environment}"
  display_name = "Performia ${var.environment}"
  labels       = local.labels

  depends_on = [google_project_service.apis]
}

resource "google_api_gateway_api_config" "http" {
  provider = google-beta

  api                  = google_api_gateway_api.http.api_id
  api_config_id_prefix = "performia-${var.environment}-"
  labels               = local.labels

  openapi_documents {
    document {
      path = "openapi.yaml"
      contents = base64encode(templatefile("${path.module}/api/openapi.yaml.tftpl", {
        title      = "performia-${var.environment}"
        project_id = var.project_id
        backends = {
          for name, f in local.http_functions : name => {
            address  = google_cloud_run_v2_service.function[name].uri
            deadline = f.timeout_s
          }
        }
      }))
    }
  }

  gateway_config {
    backend_config {
      google_service_account = google_service_account.gateway.email
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_api_gateway_gateway" "http" {
  provider = google-beta

  gateway_id   = "performia-${var.environment}"
  api_config   = google_api_gateway_api_config.http.id
  region       = var.region
  display_name = "Performia ${var.environment}"
  labels       = local.labels
}
