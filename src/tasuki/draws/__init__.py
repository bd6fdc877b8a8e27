"""Draws: a selection anyone can verify from public data (RFC 3797)."""
