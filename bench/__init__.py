"""Benchmarks that print figures, never pass or fail on time (ARCHITECTURE.md, «Layout»)."""
