"""``python -m jaxdnn.cli``: the ``jaxdnn`` command."""

from jaxdnn.cli import entry_point

if __name__ == "__main__":
    entry_point()
