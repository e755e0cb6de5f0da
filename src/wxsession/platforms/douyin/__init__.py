"""The Douyin mini-program login: one code exchange (tt.login())."""
