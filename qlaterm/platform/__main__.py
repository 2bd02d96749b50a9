"""``python -m qlaterm.platform``: the same as ``qlaterm-platform``."""

from qlaterm.platform.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
