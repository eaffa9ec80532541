"""Argument types shared by the experiment scripts: a bad value ends a script at once with one
line naming the option (argparse's ``error: argument --steps: …``, exit status 2), before any
computation, instead of a traceback from inside the run or a failure to write at its end."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path


def integer(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in [minimum, maximum]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
            raise argparse.ArgumentTypeError(f"must be an integer {bound}, got {text!r}")
        return value

    return parse


SEED = integer(0, 2**32 - 1)
"""An argparse type: a seed of ``jax.random.PRNGKey``."""


def positive(text: str) -> float:
    """An argparse type: a finite number > 0 (a learning rate)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def fraction(text: str) -> float:
    """An argparse type: a number in [0, 1) (a momentum β)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}")
    return value


def writable_directory(parser: argparse.ArgumentParser, option: str, path: str) -> Path:
    """The directory ``path`` of ``option``, created if missing; a directory that cannot be made
    or written ends the script with one line, before it computes anything."""
    directory = Path(path)
    if directory.exists() and not directory.is_dir():
        parser.error(f"argument {option}: {path} is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        parser.error(f"argument {option}: cannot create {path}: {error.strerror}")
    if not os.access(directory, os.W_OK):
        parser.error(f"argument {option}: cannot write to {path}")
    return directory
