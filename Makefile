# The two commands of the README: `make run` and `make test`. Both set themselves up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint format lock bench mutation clean

$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --requirement requirements.lock
	touch $@

run: $(BIN)/.installed
	$(BIN)/python -m lbp_pathway.devstack run

# The suite in two steps: everything but the `slow` tests in TEST_WORKERS processes at once
# (pytest-xdist; each worker has its own test database and its own Redis, tests/embedded_services.py),
# then the `slow` tests (real workers, the `make run` launcher, process kills) alone, so their timings
# are not squeezed by the rest. A step with no test among PYTEST_ARGS (pytest's exit status 5) is fine.
TEST_WORKERS ?= 2
test: $(BIN)/.installed lint
	DEMO_MODE=1 $(BIN)/python -m pytest -m "not slow" -n $(TEST_WORKERS) $(PYTEST_ARGS) || [ $$? = 5 ]
	DEMO_MODE=1 $(BIN)/python -m pytest -m slow $(PYTEST_ARGS) || [ $$? = 5 ]

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python tools/messages.py --check

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the lock from pyproject.toml's ranges (then review the diff).
lock:
	rm -rf /tmp/lbp-lock-venv && $(PYTHON) -m venv /tmp/lbp-lock-venv
	/tmp/lbp-lock-venv/bin/pip install --quiet $$($(PYTHON) -c 'import tomllib;d=tomllib.load(open("pyproject.toml","rb"))["project"];print(" ".join(d["dependencies"]+d["optional-dependencies"]["test"]))')
	/tmp/lbp-lock-venv/bin/pip freeze > requirements.lock

# bench/hotpages.py: every hot page at 1M patients and the dashboard at 10M appointments next to /healthz,
# with issue 13's goals as PASS/MISS (a quick run: make bench BENCH_ARGS="--patients 20000 --appointments 200000").
bench: $(BIN)/.installed
	$(BIN)/python bench/hotpages.py $(BENCH_ARGS)
	for b in frontdesk matching reminders dashboard audit_chain change_history; do $(BIN)/python bench/$$b.py || exit 1; done

# Mutation testing of the pure rules modules (issue 22; slow, so not part of `make test` or CI). The
# configuration is [tool.mutmut] in pyproject.toml; `make mutation MUTATION_ARGS=--list` also names
# the surviving mutants (see one with `.venv/bin/mutmut show NAME`).
mutation: $(BIN)/.installed
	rm -rf mutants && mkdir mutants
	$(BIN)/mutmut run --max-children $(shell nproc) >mutants/run.log 2>&1 || (tail -n 40 mutants/run.log; exit 1)
	$(BIN)/python tools/mutation_report.py $(MUTATION_ARGS)

clean:
	rm -rf $(VENV) staticfiles mutants
