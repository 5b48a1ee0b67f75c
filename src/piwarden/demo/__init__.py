"""A synthetic platform: sample data for the demo, the tests and the benchmarks."""
