"""Labels: a traveler cover sheet and serial labels for a unit or a lot, with a Code 128 barcode of each
serial that the traveler's scan box reads back (a scanner types exactly the serial)."""
