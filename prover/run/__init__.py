"""Batch evaluation: benchmarks by name, Ray workers holding warm envs and a prover, the driver, summaries."""
