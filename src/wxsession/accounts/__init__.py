"""Our own user database: users, the identities bound to them, and registration rules."""
