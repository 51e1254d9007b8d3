"""Change control: change requests, impact analysis, signed approval, implementation, redlines."""
