"""redprop: the case ledger (台账) of a street office's grid-governance system."""

__version__ = "0.1.0"
