"""Customers over the store: timelines read for recomputation and risk profile snapshots."""
