# qlaterm — console and BC26 simulator.  `make run` and `make test` are the quick start.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?=
JOBS   ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))

.PHONY: run test bench soak lint screenshots sim clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
ifeq ($(PORT),)
	$(BIN)/qlaterm --sim
else
	$(BIN)/qlaterm $(PORT)
endif

sim: $(STAMP)
	$(BIN)/qlaterm-sim --pty

# In parallel over JOBS workers (pytest-xdist; JOBS=0 runs in this process), two per CPU by default: many
# tests wait on a simulated network most of their time.  Tests marked `serial` run alone.
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set: every worker and every spawned simulator
# would otherwise compile the package and rewrite the test modules again.
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= TEXTUAL_ANIMATIONS=none $(BIN)/python -m pytest -q -n $(JOBS) --dist worksteal $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

# The reliability bars of DESIGN.md, long versions (loopback only; mounts a small tmpfs where it may).
soak: $(STAMP)
	TEXTUAL_ANIMATIONS=none $(BIN)/python -m bench.soak

# ruff, mypy (strict on qlaterm.at, qlaterm.lwm2m, qlaterm.state; see pyproject.toml) and the import contracts.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

screenshots: $(STAMP)
	$(BIN)/python -m tests.screenshots

clean:
	rm -rf $(VENV) build *.egg-info
