"""Intake: live ingestion of messages and events (rows, files, API batches) and history replay."""
