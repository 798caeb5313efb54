"""The period figures of cases and service lists, and what goes into the monthly ledger workbook."""
