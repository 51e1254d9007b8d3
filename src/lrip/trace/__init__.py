"""Traceability: backward and forward genealogy through consumption, and record completeness."""
