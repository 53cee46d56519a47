"""Assessing on demand and over files: the shared Assessor, assess-file and mask-file."""
