"""Pure DataFrame -> DataFrame functions: no reads, no writes, testable on small data."""
