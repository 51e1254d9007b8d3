"""Capacity: load against available hours per work center, sustainable rate, learning curves."""
