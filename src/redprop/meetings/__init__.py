"""Meetings, their problem lists and the rectification ledger (docs/design.md §14)."""
