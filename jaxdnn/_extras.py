"""The optional parts of jaxdnn and the packages they need: the functional API needs only JAX,
optax, NumPy and msgpack; the command line, the bundled data sets and the plots need the ``cli``
extra, ``jaxdnn.testing``, ``jaxdnn.catalogue`` and ``jaxdnn verify`` the ``testing`` extra."""

from __future__ import annotations

import importlib.util

__all__ = ["MissingExtra", "require"]

EXTRAS: dict[str, tuple[tuple[str, str], ...]] = {
    "cli": (("scikit-learn", "sklearn"), ("matplotlib", "matplotlib"), ("tqdm", "tqdm")),
    "testing": (("hypothesis", "hypothesis"), ("mpmath", "mpmath"), ("scikit-learn", "sklearn")),
}
"""Each extra of ``pyproject.toml``: (distribution, module) of the packages it adds."""


class MissingExtra(ModuleNotFoundError):
    """An optional part of jaxdnn was used without the packages of its extra."""


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a module set to None in sys.modules, a broken package
        return False


def require(extra: str, what: str, needs: tuple[str, ...] | None = None) -> None:
    """Raise :class:`MissingExtra`, one line naming the packages and the ``pip install`` that
    adds them, unless the packages ``needs`` of ``extra`` (all of them when None) are installed;
    ``what`` names the user."""
    missing = [
        dist
        for dist, module in EXTRAS[extra]
        if (needs is None or dist in needs) and not _installed(module)
    ]
    if missing:
        raise MissingExtra(
            f"{what} needs {', '.join(missing)} (not installed): pip install 'jaxdnn[{extra}]'"
        )
