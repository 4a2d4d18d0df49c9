# bankcrm: two commands on a bare machine with Python 3.11 — `make demo`, `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO   := bankcrm-data/demo-extract
export BANKCRM_DATA_DIR ?= bankcrm-data

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,spark]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/bankcrm generate --out $(DEMO) --customers 10000 --seed 20201231
	$(BIN)/bankcrm db upgrade
	$(BIN)/bankcrm import $(DEMO) --report bankcrm-data/import-report.json --rejects bankcrm-data/rejects.csv
	$(BIN)/bankcrm users demo
	$(BIN)/bankcrm info
	$(BIN)/bankcrm analyze --format xlsx --out bankcrm-data/analysis.xlsx
	$(BIN)/bankcrm analyze --format json --out bankcrm-data/analysis.json
	$(BIN)/bankcrm score
	@echo "analysis written to bankcrm-data/analysis.xlsx and bankcrm-data/analysis.json"
	$(BIN)/bankcrm diagnose --branch B0100
	$(BIN)/bankcrm report --branch B0100 --out bankcrm-data/report --pdf
	@echo "网页 web UI: http://127.0.0.1:8000/   (API docs: http://127.0.0.1:8000/api/docs)"
	@echo "演示用户 demo logins: demo_manager demo_rm demo_teller demo_analyst demo_auditor demo_admin"
	@echo "演示密码 password: Demo-2020-xinyu   (Ctrl+C stops the server)"
	BANKCRM_SECURITY__COOKIE_SECURE=false $(BIN)/bankcrm serve

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -n 2 --dist loadgroup

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf bankcrm-data .pytest_cache .mypy_cache .ruff_cache
