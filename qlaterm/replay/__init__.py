"""Transcripts that run: the format (:mod:`.format`), the runner (:mod:`.runner`), reports (:mod:`.report`)
and ``qlaterm replay`` (:mod:`.cli`).  The vendor document's example transcripts ship in ``examples/``."""
