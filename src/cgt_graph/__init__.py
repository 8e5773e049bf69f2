"""cgt-graph: the open knowledge graph of the cell and gene therapy regulatory landscape."""

__version__ = "0.1.0"
