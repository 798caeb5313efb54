"""The ledger as a whole: creating, upgrading, backing up and checking it, and the demo street."""
