"""The cloud mode: what the Cloud Run functions share (messages now; the adapter next)."""
