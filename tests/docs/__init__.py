"""The documentation holds true: generated files are fresh, named tests exist."""
