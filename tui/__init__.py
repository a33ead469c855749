"""Terminal UI."""
