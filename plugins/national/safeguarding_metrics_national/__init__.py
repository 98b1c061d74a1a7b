"""National measures."""
