"""Neighbourhood disputes (矛盾纠纷) and the escalation ladder: the rules table, the actions that
move a case, the overdue sweep, queries, the hash-chained event log and case import."""
