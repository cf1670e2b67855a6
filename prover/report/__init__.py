"""Reports built from the store: one self-contained HTML file per report (`prover report`)."""
