"""Property companies' quarterly scores, rule table and the red and black lists (docs/design.md §15)."""
