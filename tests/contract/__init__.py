"""Contract suites: what every implementation of a seam must do, run against each one."""
