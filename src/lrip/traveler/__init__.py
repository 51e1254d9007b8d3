"""The station: scan a serial, the traveler (what is done, what is required, what blocks the next step, the
holds and their NCRs) and the as-built record. A read model over execution, nonconformance and inspection."""
