"""Supply: suppliers, purchase orders, receipts, incoming inspection and scorecards."""
