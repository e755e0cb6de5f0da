"""The QQ mini-program login: one code exchange (qq.login())."""
