"""``python -m qlaterm.sim``: the same as ``qlaterm-sim``.

The command runs the module with the bundled platform beside it, so it starts from the composition root
that wires both (:mod:`qlaterm.simulator`); the package itself never imports the platform.
"""

from qlaterm.simulator import main

if __name__ == "__main__":
    raise SystemExit(main())
