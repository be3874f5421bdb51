# The two commands of the README:
#   make run   - set up .venv and run the main job on the embedded sample (writes ./out)
#   make test  - set up .venv and run lint, types and the tests
.PHONY: setup run test bench lint

setup:
	./scripts/setup.sh

run: setup
	.venv/bin/smp analyze --out out

lint: setup
	.venv/bin/ruff check smpstudio tests benchmarks
	.venv/bin/mypy smpstudio/imaging smpstudio/analysis smpstudio/design smpstudio/plan smpstudio/pattern smpstudio/render

test: lint
	.venv/bin/python -m pytest -q -n 2 --dist loadfile

bench: setup
	.venv/bin/python -m benchmarks.run_all
