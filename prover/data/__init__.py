"""Datasets: extraction jobs (theorems, proof steps, premises) and benchmark loaders."""
