variable "name" {
  description = "Topic name: the prefix and the stage (performia.cloud.runtime.topic_id)."
  type        = string
}

variable "push_endpoint" {
  description = "URL of the stage's Cloud Run service."
  type        = string
}

variable "dead_letter_endpoint" {
  description = "URL of the dead_letter Cloud Run service."
  type        = string
}

variable "invoker_email" {
  description = "Service account whose OIDC token Pub/Sub sends with each push (it may invoke the services, nothing else)."
  type        = string
}

variable "pubsub_agent" {
  description = "IAM member of the project's Pub/Sub service agent."
  type        = string
}

variable "ack_deadline_s" {
  description = "Ack deadline of the stage's subscription, in seconds (10-600)."
  type        = number

  validation {
    condition     = var.ack_deadline_s >= 10 && var.ack_deadline_s <= 600
    error_message = "Pub/Sub push ack deadlines are 10 to 600 seconds."
  }
}

variable "dead_letter_ack_deadline_s" {
  description = "Ack deadline of the dead-letter subscription, in seconds."
  type        = number
}

variable "max_delivery_attempts" {
  description = "Deliveries before a message is dead-lettered (5-100)."
  type        = number

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "Pub/Sub allows 5 to 100 delivery attempts."
  }
}

variable "min_backoff_s" {
  description = "Shortest wait before a failed delivery is retried (s)."
  type        = number
}

variable "max_backoff_s" {
  description = "Longest wait before a failed delivery is retried (s)."
  type        = number
}

variable "labels" {
  description = "Labels on every resource."
  type        = map(string)
  default     = {}
}
