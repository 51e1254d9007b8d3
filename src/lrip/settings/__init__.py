"""The installation's settings: what is true of this plant, whatever the program (its organization's name)."""
