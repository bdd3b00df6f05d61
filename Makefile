# Everyday commands. A fresh clone needs only `make demo` or `make test`: the first run creates .venv
# and installs the project into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CONFIG ?= county.toml
ARGS ?=
YEAR ?=

.PHONY: demo run template test test-slow bench clean word-templates

demo: $(STAMP)
	$(BIN)/nianbao demo

run: $(STAMP)
	$(BIN)/nianbao run --config "$(CONFIG)" $(ARGS)

# `make template CONFIG= YEAR=2024` writes only the blank master template.
template: $(STAMP)
	$(BIN)/nianbao template $(if $(CONFIG),--config "$(CONFIG)") $(if $(YEAR),--year $(YEAR))

test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# The long property runs (hypothesis, many examples) that `make test` skips.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

# `make bench UNITS=2000` for another size
UNITS ?= 200
bench: $(STAMP)
	$(BIN)/nianbao bench --units $(UNITS)

clean:
	mkdir -p output
	find output -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +

# Reinstalled whenever pyproject.toml changes (new or upgraded dependencies).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# Regenerate the Word report templates in input_templates/ from the form spec (after a spec change).
word-templates: $(STAMP)
	$(BIN)/python -m pipeline.word
