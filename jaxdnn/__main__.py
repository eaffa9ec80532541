"""``python -m jaxdnn``: the ``jaxdnn`` command, as ``python -m jaxdnn.cli``."""

from jaxdnn.cli import entry_point

if __name__ == "__main__":
    entry_point()
