locals {
  api_url = "https://${google_api_gateway_gateway.http.default_hostname}"
}

output "frontend_config" {
  description = "The frontend's /config.json in cloud mode (Cloud Build writes it into the deployed site)."
  value = {
    mode          = "cloud"
    versionHeader = "X-Performia-Version"
    libraryUrl    = "${local.api_url}/library"
    saveSongUrl   = "${local.api_url}/save_song"
    realignUrl    = "${local.api_url}/realign"
    uploadUrl     = "${local.api_url}/upload_url"
    kbQueryUrl    = contains(keys(local.http_functions), "kb_query") ? "${local.api_url}/kb_query" : null
    firestore = {
      projectId  = var.project_id
      apiKey     = data.google_firebase_web_app_config.frontend.api_key
      authDomain = "${local.site_id}.firebaseapp.com"
    }
    openSong = null
  }
}

output "hosting_site_id" {
  description = "Firebase Hosting site the frontend deploys to."
  value       = google_firebase_hosting_site.frontend.site_id
}

output "frontend_url" {
  description = "Where the frontend is served."
  value       = local.frontend_origin
}

output "bucket" {
  description = "The data bucket (uploads/, jobs/, songs/)."
  value       = google_storage_bucket.data.name
}

output "image_repository" {
  description = "Artifact Registry path Cloud Build pushes functions-cpu and functions-gpu to."
  value       = local.registry
}

output "services" {
  description = "Each function's Cloud Run URL."
  value       = { for name, s in google_cloud_run_v2_service.function : name => s.uri }
}

output "topics" {
  description = "Each stage's topic (the root stage's carries the bucket's upload notifications)."
  value       = { for name, q in module.queue : name => q.topic_name }
}
