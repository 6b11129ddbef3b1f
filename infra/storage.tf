# One bucket, three prefixes, each a managed folder with its own IAM (the cloud code keeps one
# store: performia.cloud.runtime reads PERFORMIA_BUCKET):
#   uploads/  originals, written by browsers through upload_url's signed PUTs; private
#   jobs/     stage artifacts; private
#   songs/    the library (Song Maps, revisions, owner records, each owner's listing): private
#             like the rest; only package and save_song write, library and realign read. Nothing
#             in the bucket is public: browsers read through the library function, which checks
#             the owner and hands out short-lived signed read URLs for a song's files.
resource "google_storage_bucket" "data" {
  name                        = local.bucket_name
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  # Nothing a user uploads may be public: the bucket refuses any grant to everyone, whoever
  # adds one later.
  public_access_prevention = "enforced"
  force_destroy            = !var.deletion_protection
  labels                   = local.labels

  # The browser PUTs uploads to signed URLs (with the signed length range header) and reads the
  # library, from the frontend only.
  cors {
    origin          = [local.frontend_origin]
    method          = ["GET", "HEAD", "PUT"]
    response_header = ["Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "ETag", "x-goog-generation", "x-goog-content-length-range"]
    max_age_seconds = 3600
  }

  # Originals and artifacts expire; the library stays.
  dynamic "lifecycle_rule" {
    for_each = {
      for prefix, days in { "uploads/" = var.upload_retention_days, "jobs/" = var.artifact_retention_days } :
      prefix => days if days > 0
    }
    content {
      condition {
        age            = lifecycle_rule.value
        matches_prefix = [lifecycle_rule.key]
      }
      action {
        type = "Delete"
      }
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_managed_folder" "prefix" {
  for_each = toset(["uploads/", "jobs/", "songs/"])

  bucket        = google_storage_bucket.data.name
  name          = each.value
  force_destroy = !var.deletion_protection
}

locals {
  folder_roles = {
    read       = "roles/storage.objectViewer"
    read_write = "roles/storage.objectUser"
    create     = "roles/storage.objectCreator"
  }
  # "function folder" => role, from each function's access in the plan.
  storage_grants = merge([
    for name, f in local.functions : {
      for folder, level in { "uploads/" = f.uploads, "jobs/" = f.jobs, "songs/" = f.songs } :
      "${name} ${folder}" => { function = name, folder = folder, role = local.folder_roles[level] }
      if level != ""
    }
  ]...)
}

resource "google_storage_managed_folder_iam_member" "functions" {
  for_each = local.storage_grants

  bucket         = google_storage_bucket.data.name
  managed_folder = google_storage_managed_folder.prefix[each.value.folder].name
  role           = each.value.role
  member         = google_service_account.function[each.value.function].member
}

# An object finalized under uploads/ starts its job: a JSON notification on the root stage's
# topic, published by the bucket's service agent.
resource "google_pubsub_topic_iam_member" "gcs_publishes_uploads" {
  topic  = module.queue[local.upload_function].topic_id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

resource "google_storage_notification" "uploads" {
  bucket             = google_storage_bucket.data.name
  payload_format     = "JSON_API_V1"
  topic              = module.queue[local.upload_function].topic_id
  event_types        = ["OBJECT_FINALIZE"]
  object_name_prefix = "uploads/"

  depends_on = [google_pubsub_topic_iam_member.gcs_publishes_uploads]
}
