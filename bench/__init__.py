"""The benchmark: `make bench` runs `python -m bench` (see __main__.py)."""
