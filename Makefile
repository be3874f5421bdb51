# The two commands of the README:
#   make run   - set up .venv, preview and plan the demo client's real photo (./out), seed the demo clinic (SQLite)
#                and end with the tablet app running on it at http://127.0.0.1:8000/
#   make test  - set up .venv and run lint, types and the tests
.PHONY: setup run test bench lint gallery

setup:
	./scripts/setup.sh

# the demo client: a real photo installed by setup (receding, thinning hair; smpstudio/imaging/real_photos.py)
run: setup
	.venv/bin/smp preview "$$(.venv/bin/python -m smpstudio.imaging.real_photos --path)" --out out/preview
	.venv/bin/smp plan "$$(.venv/bin/python -m smpstudio.imaging.real_photos --path)" --out out/plan
	SMP_DATA_DIR=$(CURDIR)/out/data .venv/bin/smp demo-seed
	@echo "Consultation (batch): out/preview (sessions, side-by-side, close-up) and out/plan (plan, fading, cost, years)."
	@echo "The app: http://127.0.0.1:8000/ - sign in as owner@demo.smpstudio.local / demo-password-1234 (API docs at /docs; Ctrl-C stops it)"
	SMP_DATA_DIR=$(CURDIR)/out/data SMP_ENV=dev .venv/bin/smp serve --host 127.0.0.1 --port 8000

lint: setup
	.venv/bin/ruff check smpstudio tests benchmarks
	.venv/bin/mypy smpstudio/imaging smpstudio/optics smpstudio/analysis smpstudio/design smpstudio/plan smpstudio/pattern \
		smpstudio/render smpstudio/scalp smpstudio/head3d smpstudio/pipeline smpstudio/consultation.py
	.venv/bin/lint-imports

test: lint
	.venv/bin/python -m pytest -q -n 2 --dist loadfile

bench: setup
	.venv/bin/python -m benchmarks.run_all

gallery: setup
	.venv/bin/python -m smpstudio.reports.gallery docs/gallery
