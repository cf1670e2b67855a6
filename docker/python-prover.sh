#!/bin/sh
# Install prover from /src into /opt/prover (a venv), with the CPU build of torch.
# Shared by every image; run as root during `docker build`.
set -eu
python3 -m venv /opt/prover
/opt/prover/bin/pip install --no-cache-dir --upgrade pip
# pyproject.toml pins torch exactly; PyPI's Linux wheel is the CUDA build, so take the CPU one first.
TORCH="$(sed -n 's/.*"\(torch==[^"]*\)".*/\1/p' /src/pyproject.toml)"
/opt/prover/bin/pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu "$TORCH"
/opt/prover/bin/pip install --no-cache-dir /src
ln -sf /opt/prover/bin/prover /usr/local/bin/prover
