"""Nonconformance: NCRs, MRB dispositions with signatures, recurring defects and CAPA (8D)."""
