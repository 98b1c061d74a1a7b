"""safeguarding-metrics."""
