"""The stage graph and the scheduling logic every runner shares."""

from performia.pipeline.graph import GRAPH, Graph, StageSpec

__all__ = ["GRAPH", "Graph", "StageSpec"]
