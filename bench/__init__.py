"""Benchmarks (`make bench`): each module with a `run()` is run in a throwaway database."""
