"""The foreachBatch bodies, one per layer: each writes its tables exactly once per micro-batch and
may hand its new rows to the next (jobs.pipeline chains all three in one query)."""
