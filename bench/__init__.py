"""``make bench``: the figures of DESIGN.md's "Bars" table, each printed beside its bar.

Benchmarks measure; they never assert.  ``python -m bench`` runs them all (``python -m bench parse`` runs the
ones whose key contains "parse") and prints one line each; a benchmark whose parts are missing prints why it
was skipped.
"""
