"""``python -m qlaterm.sim``: the same as ``qlaterm-sim``."""

from qlaterm.sim.serve import main

if __name__ == "__main__":
    raise SystemExit(main())
