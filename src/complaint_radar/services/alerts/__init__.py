"""Alerts: the engine that fires rules, the rulebook, the delivery outbox, the queue and live feed."""
