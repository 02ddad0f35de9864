# chartioc: every target makes .venv and installs what it needs first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test test-unit test-system lint typecheck typecheck-tree format bench soak clean gui-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[gui,test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/chartioc-demo

# The whole suite: unit tests, then the system tests (real IOCs over CA) in
# parallel workers; they mostly wait on I/O, and every IOC has ports of its own.
# Each test file is one group; the longest groups go out first, in the order
# tests/conftest.py sets (xdist's own reorder, by test count, would start the
# 2-minute lossless run, one test, last).
WORKERS ?= 3
SYSTEM := tests/system -n $(WORKERS) --dist loadgroup --no-loadscope-reorder
test: $(STAMP)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)
	$(PY) -m pytest $(SYSTEM) $(PYTEST_ARGS)

# The fast loop: pure logic only, no IOC (about 15 s).
test-unit: $(STAMP)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

test-system: $(STAMP)
	$(PY) -m pytest $(SYSTEM) $(PYTEST_ARGS)

# Figures, never asserts: each script prints and saves bench/results/*.json;
# report.py writes docs/performance.md from them. About 20 minutes.
bench: $(STAMP)
	$(PY) bench/render_fps.py
	$(PY) bench/latency.py
	$(PY) bench/fanout.py
	$(PY) bench/load.py
	$(PY) bench/gui_flood.py
	$(PY) bench/fit_cost.py
	$(PY) bench/many_charts.py
	$(PY) bench/startup.py
	$(PY) bench/viewers.py
	$(PY) bench/frame_sizes.py
	$(PY) bench/bluesky_scan.py
	$(PY) bench/motor_rate.py
	$(PY) bench/pva.py
	$(PY) bench/report.py

# 10 minutes of drawing at 10 frames/s, then 10 minutes of client churn: RSS, file
# descriptors, threads.
soak: $(STAMP)
	$(PY) bench/soak.py
	$(PY) bench/churn.py
	$(PY) bench/report.py

# ruff, then the import contracts of pyproject.toml ([tool.importlinter]), then mypy.
lint: $(STAMP) typecheck-tree
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --cache-dir build/import-linter-cache
	$(VENV)/bin/mypy -p chartioc

# mypy cannot follow the editable install's package-dir mapping, so it reads the
# package through a tree of symlinks: build/typecheck/chartioc/{iocs,client,gui}
# (`mypy_path` in pyproject.toml points there).
TYPECHECK_TREE := build/typecheck/chartioc
typecheck-tree:
	@mkdir -p $(TYPECHECK_TREE)
	@for d in iocs client gui; do ln -sfn ../../../$$d $(TYPECHECK_TREE)/$$d; done

typecheck: $(STAMP) typecheck-tree
	$(VENV)/bin/mypy -p chartioc

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Qt's X11 plugin (the panel on a desktop) needs these; a minimal Debian/Ubuntu lacks them.
GUI_DEPS := libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0
gui-deps:
	$(if $(filter 0,$(shell id -u)),,sudo )apt-get install -y $(GUI_DEPS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
