"""Claims queued executions and supervises their runner processes."""
