resource "google_firestore_database" "default" {
  name                    = "(default)"
  location_id             = coalesce(var.firestore_location, var.region)
  type                    = "FIRESTORE_NATIVE"
  delete_protection_state = var.deletion_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy         = "DELETE"

  depends_on = [google_project_service.apis]
}

# Browsers read their own jobs (and songs); nobody writes from a browser. The functions write
# with IAM, which the rules do not govern. Tested on the emulator: tests/infra/test_firestore_rules.py.
resource "google_firebaserules_ruleset" "firestore" {
  project = var.project_id

  source {
    files {
      name    = "firestore.rules"
      content = file("${path.module}/firestore.rules")
    }
  }

  depends_on = [google_firestore_database.default, google_project_service.apis]

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_firebaserules_release" "firestore" {
  project      = var.project_id
  name         = "cloud.firestore"
  ruleset_name = "projects/${var.project_id}/rulesets/${google_firebaserules_ruleset.firestore.name}"

  lifecycle {
    replace_triggered_by = [google_firebaserules_ruleset.firestore]
  }
}

# "My jobs / my songs, newest first": the rules only allow queries filtered on owner.
resource "google_firestore_index" "owner_newest_first" {
  for_each = toset(["jobs", "songs"])

  database   = google_firestore_database.default.name
  collection = each.value

  fields {
    field_path = "owner"
    order      = "ASCENDING"
  }
  fields {
    field_path = "createdAt"
    order      = "DESCENDING"
  }
}

# A job's per-stage state, input and parameters are read whole, never queried: no index entries
# (fewer index writes per progress report).
resource "google_firestore_field" "jobs_unindexed" {
  for_each = toset(["stages", "input", "params"])

  database   = google_firestore_database.default.name
  collection = "jobs"
  field      = each.value

  index_config {}
}

# Job records expire: Firestore's TTL policy deletes a job when its expireAt (written by the
# functions, performia.jobs.firestore: a day for a job never uploaded, 30 days after the last
# change otherwise) has passed, so upload_url requests alone cannot pile up documents.
resource "google_firestore_field" "jobs_expire" {
  database   = google_firestore_database.default.name
  collection = "jobs"
  field      = "expireAt"

  ttl_config {}
  index_config {}
}

# Quota counts and bookings expire too (performia.cloud.quotas writes expireAt: the end of a
# rate window, or of a caller's last booking), so one-off callers leave nothing behind.
resource "google_firestore_field" "quotas_expire" {
  database   = google_firestore_database.default.name
  collection = "quotas"
  field      = "expireAt"

  ttl_config {}
  index_config {}
}
