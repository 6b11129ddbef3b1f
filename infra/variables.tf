variable "project_id" {
  description = "Google Cloud project that holds this environment."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id (6-30 lowercase letters, digits, hyphens)."
  }
}

variable "region" {
  description = "Region of every regional resource. It must offer Cloud Run L4 GPUs and API Gateway (europe-west1, europe-west4, us-east4, asia-southeast1 …)."
  type        = string
  default     = "europe-west1"
}

variable "environment" {
  description = "Environment name (prod, staging, a developer's name): part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,14}$", var.environment))
    error_message = "environment must be 2-15 lowercase letters and digits, starting with a letter."
  }
}

variable "image_tag" {
  description = "Tag of the functions-cpu and functions-gpu images in this environment's Artifact Registry repository (Cloud Build passes the commit)."
  type        = string
}

variable "frontend_origin" {
  description = "Origin the frontend is served from (CORS for uploads, library reads and the HTTP functions). Empty: the Firebase Hosting site's https://SITE.web.app."
  type        = string
  default     = ""
}

variable "hosting_site_id" {
  description = "Firebase Hosting site for the frontend. Empty: PROJECT-ENV (trimmed to 30 characters)."
  type        = string
  default     = ""
}

variable "gpu_mode" {
  description = "\"gpu\": the graph's GPU stages on Cloud Run L4 services (bursts). \"cpu\": the same stages on CPU instances, with no GPU idle tail (sporadic single songs); see COSTS.md."
  type        = string
  default     = "gpu"

  validation {
    condition     = contains(["gpu", "cpu"], var.gpu_mode)
    error_message = "gpu_mode must be \"gpu\" or \"cpu\"."
  }
}

variable "gpu_max_instances" {
  description = "Most L4 instances one GPU service may run. Null: the plan's cap (infra/measured.toml, plan.gpu_quota). Request that much Cloud Run L4 quota without zonal redundancy before the first deploy."
  type        = number
  default     = null

  validation {
    condition     = var.gpu_max_instances == null ? true : var.gpu_max_instances >= 1
    error_message = "gpu_max_instances must be at least 1."
  }
}

variable "upload_retention_days" {
  description = "Days an original recording is kept under uploads/ (0 keeps it forever)."
  type        = number
  default     = 30
}

variable "artifact_retention_days" {
  description = "Days stage artifacts are kept under jobs/ (0 keeps them forever)."
  type        = number
  default     = 30
}

variable "asr_model" {
  description = "Whisper model the transcribe function uses: tiny.en or base (both baked into the GPU image)."
  type        = string
  default     = "tiny.en"
}

variable "engine_profile" {
  description = "Analysis engines: commercial (only engines whose code and weights allow a paid hosted service) or default (adds madmom's CC BY-NC-SA 4.0 beat, downbeat and key models: not for a paid service)."
  type        = string
  default     = "commercial"

  validation {
    condition     = contains(["commercial", "default"], var.engine_profile)
    error_message = "engine_profile must be commercial or default."
  }
}

variable "firestore_location" {
  description = "Firestore location. Empty: the region."
  type        = string
  default     = ""
}

variable "deletion_protection" {
  description = "Protect the Firestore database, bucket and Cloud Run services from terraform destroy."
  type        = bool
  default     = true
}
