"""The FRP readiness gate: criteria, assessments, attestations, waivers and the evidence package."""
