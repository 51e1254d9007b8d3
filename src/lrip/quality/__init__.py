"""Quality analysis: SPC and capability per characteristic, yield and defect metrics, the quality dashboard."""
