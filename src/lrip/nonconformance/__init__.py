"""Nonconformance: NCRs and the holds they put on units (`ncr`), MRB review, signatures and dispositions
(`mrb`), recurring defects and CAPA (8D) (`capa`); the handlers of execution's OutOfSpec and supply's
IncomingRejected (`handlers`)."""
