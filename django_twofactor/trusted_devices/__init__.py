"""Trusted devices (CONTRACT §15, off by default): a remembered device stands in
for the second factor at ``login/`` until it expires or an account event
forgets it."""
