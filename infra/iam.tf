# One service account per function, holding only what its plan says it uses:
#   firestore   roles/datastore.user on the (default) database
#   uploads/, jobs/, songs/   a role on that managed folder (storage.tf)
#   publishes   roles/pubsub.publisher on each downstream stage's topic (pubsub.tf)
#   signs_urls  roles/iam.serviceAccountTokenCreator on itself (V4 signed PUTs through IAM)
resource "google_service_account" "function" {
  for_each = local.functions

  account_id   = "pf-${var.environment}-${local.ids[each.key]}"
  display_name = "Performia ${var.environment} ${each.key}"
  description  = "Runs the ${each.key} function (${each.value.trigger}); holds only what it uses."
}

resource "google_project_iam_member" "firestore" {
  for_each = { for name, f in local.functions : name => f if f.firestore }

  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.function[each.key].member

  condition {
    title       = "performia-default-database"
    description = "Only the (default) Firestore database."
    expression  = "resource.name == \"projects/${var.project_id}/databases/(default)\""
  }
}

resource "google_service_account_iam_member" "signs_own_urls" {
  for_each = { for name, f in local.functions : name => f if f.signs_urls }

  service_account_id = google_service_account.function[each.key].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = google_service_account.function[each.key].member
}
