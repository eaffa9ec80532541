"""The catalogue: every checkable statement of the five documents, and every erratum, as a record
with its check.

Each area module (:mod:`~jaxdnn.catalogue.calculus`, :mod:`~jaxdnn.catalogue.activations`,
:mod:`~jaxdnn.catalogue.losses`, :mod:`~jaxdnn.catalogue.dense`,
:mod:`~jaxdnn.catalogue.simplified`, :mod:`~jaxdnn.catalogue.network`,
:mod:`~jaxdnn.catalogue.backprop`, :mod:`~jaxdnn.catalogue.worked_examples`,
:mod:`~jaxdnn.catalogue.optimizers`, :mod:`~jaxdnn.catalogue.theory`,
:mod:`~jaxdnn.catalogue.capacity`, :mod:`~jaxdnn.catalogue.metrics`) registers its entries on
import, in catalogue order; the errata sit with their area. A docstring of jaxdnn that cites an
ID (``P-ACT-SOFTMAX-JAC``, ``E-09``) cites an entry of :data:`ENTRIES`::

    >>> from jaxdnn.catalogue import entry
    >>> entry("E-07").statement
    'β ∈ [0, 1)'

Importing the catalogue needs ``hypothesis`` (the checks draw from :mod:`jaxdnn.testing`'s
strategies); the checks compare in float64, so run them under ``jax_enable_x64``.
"""

import importlib

from jaxdnn._extras import require

require("testing", "jaxdnn.catalogue")

from jaxdnn.catalogue._registry import (  # noqa: E402
    DOCUMENTS,
    ENTRIES,
    KINDS,
    PRINTED_DIFFERS,
    Entry,
    Erratum,
    Kind,
    evaluate,
    max_error,
    relative_error,
    select,
)

AREAS = (
    "calculus",
    "activations",
    "losses",
    "dense",
    "simplified",
    "network",
    "backprop",
    "worked_examples",
    "optimizers",
    "theory",
    "capacity",
    "metrics",
)
"""The area modules, in catalogue order."""

for _area in AREAS:
    importlib.import_module(f"{__name__}.{_area}")  # registers the area's entries
ENTRIES.sort(key=lambda e: AREAS.index(e.area))  # stable: each area keeps its own order

__all__ = [
    "AREAS",
    "DOCUMENTS",
    "ENTRIES",
    "KINDS",
    "PRINTED_DIFFERS",
    "Entry",
    "Erratum",
    "Kind",
    "entry",
    "evaluate",
    "max_error",
    "relative_error",
    "select",
]


def entry(id_: str) -> Entry:
    """The catalogue entry with this ID; KeyError naming the ID when there is none.

    Args:
        id_: the ID, e.g. ``"E-07"``.

    Returns:
        The :class:`Entry`.

    Raises:
        KeyError: naming the ID when there is none.
    """
    for e in ENTRIES:
        if e.id == id_:
            return e
    raise KeyError(f"no catalogue entry {id_!r}")
