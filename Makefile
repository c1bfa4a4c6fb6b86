# Two commands do all the setup:  `make lab`  and  `make test`.
# Everything lives in .venv; re-running is quick when pyproject.toml and constraints.txt are unchanged.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LESSON ?= 01_forward_pass
PORT   ?= 8888
CHROMIUM ?= /usr/bin/chromium

.PHONY: lab test unit notebooks browser present lint bench bench-browser bench-training run-notebooks browser-deps freeze clean help

help:
	@echo "make lab       set up .venv and open the first lesson in JupyterLab"
	@echo "make test      set up .venv (with test tools) and run every test"
	@echo "make present LESSON=02_logistic_cost   serve one lesson as an app (Voila)"
	@echo "make unit | notebooks | browser | lint   parts of the test run"
	@echo "make run-notebooks   Restart & Run All every notebook, saving outputs (after editing one)"
	@echo "make bench           print benchmark figures (JSON)"
	@echo "make bench-training  training playground: steps/s, redraws/s vs pyplot, frames painted in Chromium (JSON)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; run e.g. make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files make the install step a no-op until the dependency files change.
$(VENV)/.lab-installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

# PyTorch is an optional third gradient check. It is installed only from a wheel already on this machine
# (TORCH_WHEELS), never as a multi-GB download; without it those tests are skipped with a reason.
TORCH_WHEELS ?= /opt/wheels
TORCH_WHEEL  := $(firstword $(wildcard $(TORCH_WHEELS)/torch-*-cp311-*.whl))

$(VENV)/.test-installed: pyproject.toml constraints.txt $(VENV)/.lab-installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@if [ -n "$(TORCH_WHEEL)" ] && $(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then \
		echo "installing PyTorch from $(TORCH_WHEEL)"; \
		$(BIN)/python -m pip install --quiet -c constraints.txt "$(TORCH_WHEEL)" || echo "PyTorch install failed; its checks will be skipped"; \
	fi
	touch $@

lab: $(VENV)/.lab-installed
	@# no browser is opened where there is no display; the URL (with its token) is printed
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) \
		--ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/lessons/$(LESSON).ipynb \
		$$( [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ] || echo --no-browser ) \
		$$( [ "$$(id -u)" != 0 ] || echo --allow-root )

present: $(VENV)/.lab-installed
	@test -f lessons/$(LESSON).ipynb || { echo "no lesson lessons/$(LESSON).ipynb; choose one of:"; ls lessons; exit 2; }
	$(BIN)/voila lessons/$(LESSON).ipynb --Voila.ip=127.0.0.1 --port=$(PORT) \
		--theme=light --strip_sources=True \
		$$( [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ] || echo --no-browser )

# The browser tests need Debian's chromium (playwright's own browser download is not used).
browser-deps:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium with apt-get ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	else \
		echo "The browser tests need Chromium at $(CHROMIUM). Install it with:"; \
		echo "    sudo apt-get install chromium      (Debian/Ubuntu)"; \
		echo "or point CHROMIUM=/path/to/chromium. Skipping them until then."; \
	fi

unit: $(VENV)/.test-installed
	$(BIN)/python -m pytest tests -m "not browser"

notebooks: $(VENV)/.test-installed
	$(BIN)/python -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg lessons notebooks

browser: $(VENV)/.test-installed browser-deps
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests/browser -m browser

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .

test: $(VENV)/.test-installed browser-deps
	$(BIN)/ruff check .
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
		tests lessons notebooks

# Restart & Run All of every notebook, saving outputs in place (do this after editing a lesson).
run-notebooks: $(VENV)/.test-installed
	$(BIN)/python tools/run_notebooks.py

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/redraw.py

bench-browser: $(VENV)/.test-installed browser-deps
	CHROMIUM=$(CHROMIUM) $(BIN)/python benchmarks/browser_latency.py

bench-training: $(VENV)/.test-installed browser-deps
	CHROMIUM=$(CHROMIUM) $(BIN)/python benchmarks/training.py

# Refresh the exact versions after changing pyproject.toml (commit constraints.txt).
freeze: $(VENV)/.test-installed
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
