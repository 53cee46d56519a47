"""Complaint cases: lifecycle, SLA, assignment, escalation, follow-up and audit trail (SPEC.md §6)."""
