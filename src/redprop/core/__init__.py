"""What every domain stands on: the one schema (models), the database, configuration and the
clock, errors, the vocabulary, masking and validation of personal data, the calendar, and the
shared state-machine and event-log machinery. Imports no domain."""
