"""The audit trail for the people who read it: a record's history and the check of the chain, as use cases
with their permissions (the chain itself is lrip.audit)."""
