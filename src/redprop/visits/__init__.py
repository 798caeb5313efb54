"""Visits to the households that need them (docs/design.md §16)."""
