"""Deploying to Google Cloud: the deployment plan derived from the stage graph, the Terraform
data generated from it, the cost model, and the smoke check the images run when built.

- :mod:`performia.deploy.plan`: every Cloud Run function (its trigger, image, extras, size,
  caps, deadlines and the access it needs), derived from :data:`performia.pipeline.graph.GRAPH`
  and the measurements in ``infra/measured.toml``.
- :mod:`performia.deploy.terraform`: writes ``infra/stages.tf.json`` from the plan
  (``python -m performia.deploy.terraform --write``).
- :mod:`performia.deploy.costs`: the cost model, each way of running the stages priced per song;
  :mod:`performia.deploy.costs_report` writes it as ``infra/COSTS.md``
  (``python -m performia.deploy.costs --write``).
- :mod:`performia.deploy.smoke`: imports an image's functions and loads their engines, so a
  build fails when an extra or a baked-in model is missing.
"""
