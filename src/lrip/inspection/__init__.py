"""Inspection by phase: inspection plans, Z1.4 sampling state per plan, first article inspection (AS9102)."""
