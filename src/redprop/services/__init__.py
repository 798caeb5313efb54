"""Use cases, one module each: keyword-only `session`, no printing, no commits (the caller owns
the transaction)."""
