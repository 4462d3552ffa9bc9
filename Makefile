# Two commands on a fresh machine:
#   make        install into .venv, then run the whole pipeline on all cores
#   make test   install into .venv, then run the test suite (what CI runs)
#   make cluster-test   the quick profile through a one-node SLURM against a local run (root, apt)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CORES  ?= all
STAMP  := $(VENV)/.installed

.PHONY: all install test chromium cluster-test quick bench clean

all: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)
	@echo "Report: $(CURDIR)/reports/index.html"

install: $(STAMP)

# torch is pinned in pyproject.toml; a CPU build of it is provided locally to pip.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

test: $(STAMP) chromium
	$(BIN)/python -m pytest

# The browser test drives Debian's chromium (no browser is downloaded by a test tool).
# Installing it needs root and apt; elsewhere the test skips and says why.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser test"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "could not install chromium: the browser test will be skipped"; }

# Stands up a one-node SLURM (.ci/slurm.sh: root and apt needed, skipped with a sentence
# elsewhere unless NNCLAIMS_REQUIRE_CLUSTER=1), installs the `slurm` extra, runs the quick
# profile locally and through profiles/slurm and requires identical verdicts and checks.
cluster-test: $(STAMP)
	@$(BIN)/python .ci/cluster_test.py

quick: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) --config profile=quick
	@echo "Report: $(CURDIR)/reports/index.html"

clean:
	rm -rf results reports logs benchmarks .snakemake

# Speed, measured side by side in one run: engines (loop against batched, at 1 torch
# thread and at all cores), then the whole pipeline, quick and full. Takes over an hour on 2 cores (the full profile).
bench: $(STAMP)
	$(BIN)/python bench/engines.py --threads 1
	$(BIN)/python bench/engines.py --threads $$(nproc)
	$(BIN)/python bench/pipeline.py --profile quick --cores 2
	$(BIN)/python bench/pipeline.py --profile full --cores 2
