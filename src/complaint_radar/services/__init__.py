"""Services: the only layer that combines the pipeline, file IO and (later) the store."""
