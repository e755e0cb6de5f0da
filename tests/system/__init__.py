"""Real processes: the CLI, served instances, several of them, the SDK under node."""
