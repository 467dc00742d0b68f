"""The benchmark behind ``make bench``: see ``bench/bench.py``."""
