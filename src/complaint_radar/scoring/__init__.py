"""Rules that turn evidence into SPEC.md decisions: stage, risk, labels, explanation, handling."""
