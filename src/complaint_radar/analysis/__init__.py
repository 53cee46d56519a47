"""Aggregate complaint analysis (SPEC.md §7): pure functions over pandas tables, no store, no web."""
