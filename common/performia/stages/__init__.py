"""Pipeline stages: each a thin ``run(ctx)`` around one analysis call (see ``pipeline.graph``)."""
