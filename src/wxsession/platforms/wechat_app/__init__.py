"""The WeChat Open Platform mobile App login: OAuth code exchange and profile."""
