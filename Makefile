# Two commands for everything: `make run` (execute both notebooks in place, then fill the prose) and `make test`;
# `make bench` times the notebooks' training steps outside them.
# Both set up the virtual environment first and reuse it afterwards.
# One notebook only: `make run NOTEBOOKS=vae_cifar10.ipynb`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# Offline: use the dataset mirror beside the checkout when there is one (see README, "Datasets offline").
MIRROR_GUESS := $(wildcard ../shared/data)
export DATASET_MIRROR ?= $(if $(MIRROR_GUESS),$(abspath $(MIRROR_GUESS)),)
NOTEBOOKS ?= dcgan_fashion_mnist.ipynb vae_cifar10.ipynb

.PHONY: setup sysdeps run fill test lint bench pdf screenshots submission clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@echo "==> Python environment in $(VENV) (first time: a few minutes, ~6 GB for torch)"
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Debian packages for the browser (screenshots) and the PDF (pandoc, pdftotext, a math font).
APT_PACKAGES := chromium pandoc poppler-utils fonts-dejavu-extra
sysdeps:
	@if command -v chromium >/dev/null && command -v pandoc >/dev/null && command -v pdftotext >/dev/null \
	    && dpkg -s fonts-dejavu-extra >/dev/null 2>&1; then \
	  echo "==> $(APT_PACKAGES) present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "==> apt-get install $(APT_PACKAGES) (about a minute)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	else \
	  echo "Missing system packages. Run: sudo apt-get install $(APT_PACKAGES)"; exit 1; \
	fi

# TQDM_DISABLE (tqdm's own switch) keeps progress bars out of the saved outputs; the notebooks' printed lines
# (one per epoch) stream to the terminal instead. ARGS passes papermill options, e.g. ARGS="-p BF16 False".
run: setup
	@echo "==> Executing notebooks in place (DATASET_MIRROR=$(or $(DATASET_MIRROR),unset: torchvision downloads))"
	@for nb in $(NOTEBOOKS); do \
	  echo "==> $$nb"; \
	  TQDM_DISABLE=1 $(PY) -m papermill --log-output --log-level INFO $(ARGS) $$nb $$nb 2>&1 \
	    | grep --line-buffered -v "Executing Cell\|Ending Cell\|Executing notebook\|TCP without encryption" \
	    ; test $${PIPESTATUS[0]} = 0 || exit 1; \
	done
	@$(MAKE) --no-print-directory fill

# Rewrite every result span in answers.md and the notebooks' prose from the runs' results (see README).
fill: setup
	$(PY) -m support.answer_numbers fill $(FILES)

lint: setup
	@echo "==> ruff"
	$(VENV)/bin/ruff check .

test: setup sysdeps lint
	@echo "==> pytest (tiny notebook runs, model and loss units, screenshots, PDF, submission zip)"
	$(PY) -m pytest

# Speed of one training step per network and setting, and of the VAE data pipeline (~3 min, see README).
bench: setup
	@echo "==> Benchmark: the notebooks' training steps and the VAE data pipeline -> results/bench.json"
	$(PY) -m support.bench $(ARGS)

pdf: setup sysdeps
	$(PY) -m support.build_pdf

screenshots: setup sysdeps
	$(PY) -m support.screenshots

submission: pdf
	$(PY) -m support.submission $(ARGS)

clean:
	rm -rf checkpoints dist .pytest_cache
