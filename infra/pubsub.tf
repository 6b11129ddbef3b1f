# Pub/Sub pushes with this account's OIDC token; it may invoke the pushed services and nothing
# else, and only Pub/Sub's service agent may mint its tokens.
resource "google_service_account" "pubsub_invoker" {
  account_id   = "pf-${var.environment}-pubsub-push"
  display_name = "Performia ${var.environment} Pub/Sub push"
  description  = "Identity of Pub/Sub push deliveries to the stage and dead_letter services."
}

resource "google_service_account_iam_member" "pubsub_mints_push_tokens" {
  service_account_id = google_service_account.pubsub_invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_project_service_identity.pubsub.email}"
}

# One queue per stage of the graph: topic performia-ENV-STAGE (what the adapter publishes to),
# its push subscription, its dead-letter topic and that topic's subscription to dead_letter.
module "queue" {
  source   = "./modules/stage_queue"
  for_each = local.stage_functions

  name                       = "${local.prefix}${each.key}"
  push_endpoint              = google_cloud_run_v2_service.function[each.key].uri
  dead_letter_endpoint       = google_cloud_run_v2_service.function["dead_letter"].uri
  invoker_email              = google_service_account.pubsub_invoker.email
  pubsub_agent               = "serviceAccount:${google_project_service_identity.pubsub.email}"
  ack_deadline_s             = each.value.ack_deadline_s
  dead_letter_ack_deadline_s = local.functions["dead_letter"].ack_deadline_s
  max_delivery_attempts      = each.value.max_delivery_attempts
  min_backoff_s              = local.plan.backoff.min_s
  max_backoff_s              = local.plan.backoff.max_s
  labels                     = local.labels

  depends_on = [google_project_service.apis]
}

locals {
  # "function>stage" for every topic a function publishes to (its downstream stages).
  publish_grants = merge([
    for name, f in local.functions : {
      for topic in f.publishes : "${name}>${topic}" => { function = name, stage = topic }
    }
  ]...)
}

resource "google_pubsub_topic_iam_member" "functions_publish" {
  for_each = local.publish_grants

  topic  = module.queue[each.value.stage].topic_id
  role   = "roles/pubsub.publisher"
  member = google_service_account.function[each.value.function].member
}
