# Shortcuts for tasks.py (which needs only Python): make demo | test | lint | bench
.PHONY: demo test lint bench
demo test lint bench:
	python3 tasks.py $@
