# Two commands on a fresh machine: `make run` and `make test`. Both install into .venv first and
# are no-ops for the install on a second call (the stamp is newer than pyproject.toml).
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export HF_HUB_DISABLE_PROGRESS_BARS := 1
export TRANSFORMERS_VERBOSITY := error

.PHONY: install run test check bench eval

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# CPU torch first, from the local wheel: left to the resolver it pulls several GB of CUDA.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The engine refreshes a stale embedding cache itself at start (only changed texts are encoded).
run: install
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then \
		exec $(PY) -m bot; \
	else \
		echo "TELEGRAM_BOT_TOKEN is not set: starting the terminal chat. To connect Telegram," \
		     "create a bot with @BotFather and run: TELEGRAM_BOT_TOKEN=<token> make run"; \
		exec $(VENV)/bin/imgbot chat; \
	fi

check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: check
	HF_HUB_OFFLINE=1 $(PY) -m pytest

bench: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/imgbot bench
	HF_HUB_OFFLINE=1 $(PY) -m tests.load

eval: install
	HF_HUB_OFFLINE=1 $(VENV)/bin/imgbot eval tests/eval/*.yaml
