output "topic_id" {
  description = "The stage topic's id (projects/P/topics/NAME)."
  value       = google_pubsub_topic.this.id
}

output "topic_name" {
  description = "The stage topic's name."
  value       = google_pubsub_topic.this.name
}

output "dead_letter_topic_name" {
  description = "The dead-letter topic's name."
  value       = google_pubsub_topic.dead_letter.name
}

output "subscription_name" {
  description = "The push subscription's name."
  value       = google_pubsub_subscription.push.name
}
