"""Alerts people work from: the queue of fired alerts (list, acknowledge)."""
