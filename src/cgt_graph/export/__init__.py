"""Exports of the graph: one module per format."""
