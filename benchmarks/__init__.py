"""Performance targets: each ``bench_*`` module prints its ratio against a named baseline."""
