"""Case work over the store: the caller-scoped desk, case operations, and the case <-> row codec."""
