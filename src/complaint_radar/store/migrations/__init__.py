"""Alembic migration environment of the storage layer (run through `complaint_radar.store.migrate`)."""
