# Two commands to get going: `make demo` and `make test`.
# Every target that needs the environment depends on `setup`, which is idempotent and fast.

VENV        := .venv
PY          := $(VENV)/bin/python
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup demo test data bench lint clean

help:
	@echo "make setup   install Debian packages (coq, hammer, mathcomp, eprover, cvc4, postgresql) and $(VENV)"
	@echo "make demo    setup, then evaluate the default prover on a sample of the Coq stdlib test split (into prover.db) and write reports/demo.html"
	@echo "make test    setup, then run the test suite against real coqidetop (PYTEST_ARGS=... to pass options)"
	@echo "make data    setup, then extract the Coq stdlib (about 15 min on 2 cores) and build the k-NN and premise indexes the default-cpu prover uses (about 40 min more)"
	@echo "make bench   setup, then run the Coq environment benchmark (bench/coq_env.py)"
	@echo "make lint    ruff check prover tests bench"
	@echo "make clean   remove caches and build artifacts (keeps $(VENV))"

setup:
	@scripts/setup.sh

demo: setup
	$(VENV)/bin/prover eval --report reports/demo.html

test: setup
	@$(PY) -m pytest -q $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "test: pytest collected no tests (exit 5); treating this as a failure" >&2; fi; \
	exit $$rc

data: setup
	$(VENV)/bin/prover extract coq --library stdlib --out out/extract/stdlib
	$(VENV)/bin/prover knn-build --data out/extract/stdlib --out out/knn/coq-stdlib
	$(VENV)/bin/prover retrieval-build --data out/extract/stdlib --out out/retrieval/coq-stdlib

bench: setup
	$(PY) bench/coq_env.py

lint: setup
	$(VENV)/bin/ruff check prover tests bench

clean:
	rm -rf build dist .pytest_cache .ruff_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
