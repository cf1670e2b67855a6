"""Task harnesses on top of envs and the sandbox: refute, verina, safe."""
