"""Benchmarks, run by hand (see docs/benchmarks.md); never imported by the app or the tests."""
