"""Accounts: the entry points for signing in and out, users and API tokens (the identity itself is lrip.auth)."""
