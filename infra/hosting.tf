# The frontend is a static site on Firebase Hosting: a global CDN with TLS, no cost while idle,
# and the same origin as Firebase Auth's sign-in handler (/__/auth/), which the authDomain in
# the frontend's config points at. Cloud Build deploys frontend/dist there with its config.json.
resource "google_firebase_project" "this" {
  provider = google-beta
  project  = var.project_id

  depends_on = [google_project_service.apis]
}

resource "google_firebase_web_app" "frontend" {
  provider        = google-beta
  project         = var.project_id
  display_name    = "Performia ${var.environment}"
  deletion_policy = "DELETE"

  depends_on = [google_firebase_project.this]
}

data "google_firebase_web_app_config" "frontend" {
  provider   = google-beta
  project    = var.project_id
  web_app_id = google_firebase_web_app.frontend.app_id
}

resource "google_firebase_hosting_site" "frontend" {
  provider = google-beta
  project  = var.project_id
  site_id  = local.site_id
  app_id   = google_firebase_web_app.frontend.app_id
}
