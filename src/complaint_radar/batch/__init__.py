"""Batch scoring at scale: one scoring core run by a local process pool, Ray or Spark, with resume."""
