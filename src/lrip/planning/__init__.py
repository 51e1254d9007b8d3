"""Planning: the ramp plan exploded through the BOM and netted into shortages and clear-to-build."""
