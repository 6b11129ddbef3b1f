# One stage's queue: its topic, a push subscription to its Cloud Run service with an exponential
# retry policy, and the dead-letter path (a dead-letter topic pushed to the dead_letter service),
# with the IAM Pub/Sub's service agent needs to move a message there.

resource "google_pubsub_topic" "this" {
  name   = var.name
  labels = var.labels
}

resource "google_pubsub_topic" "dead_letter" {
  name   = "${var.name}-dead-letter"
  labels = var.labels
}

resource "google_pubsub_subscription" "push" {
  name   = "${var.name}-push"
  topic  = google_pubsub_topic.this.id
  labels = var.labels

  # A stage holds its delivery while it runs: the deadline covers its worst case.
  ack_deadline_seconds       = var.ack_deadline_s
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = "" # never expire, however long the stage sees no traffic
  }

  retry_policy {
    minimum_backoff = "${var.min_backoff_s}s"
    maximum_backoff = "${var.max_backoff_s}s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  push_config {
    push_endpoint = var.push_endpoint
    oidc_token {
      service_account_email = var.invoker_email
      audience              = var.push_endpoint
    }
  }
}

# Messages that ran out of attempts fail their job through the dead_letter function; a dead
# letter that cannot be handled is retried until it expires (7 days), never dropped.
resource "google_pubsub_subscription" "dead_letter" {
  name   = "${var.name}-dead-letter-push"
  topic  = google_pubsub_topic.dead_letter.id
  labels = var.labels

  ack_deadline_seconds       = var.dead_letter_ack_deadline_s
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = "${var.min_backoff_s}s"
    maximum_backoff = "${var.max_backoff_s}s"
  }

  push_config {
    push_endpoint = var.dead_letter_endpoint
    oidc_token {
      service_account_email = var.invoker_email
      audience              = var.dead_letter_endpoint
    }
  }
}

# Dead-lettering is done by Pub/Sub's service agent: it publishes to the dead-letter topic and
# acknowledges on the source subscription.
resource "google_pubsub_topic_iam_member" "agent_publishes_dead_letters" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = var.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "agent_forwards_dead_letters" {
  subscription = google_pubsub_subscription.push.id
  role         = "roles/pubsub.subscriber"
  member       = var.pubsub_agent
}
