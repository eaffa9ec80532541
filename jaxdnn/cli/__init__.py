"""The command line: ``jaxdnn train``, ``sweep``, ``predict`` and ``verify``.

The command line is parsed and checked by :mod:`jaxdnn.cli.parse`, run by
:mod:`jaxdnn.cli.run` (train, sweep) and :mod:`jaxdnn.cli.use` (predict, verify), and reported
by :mod:`jaxdnn.cli.tables` (what it prints) and :mod:`jaxdnn.cli.report` (what it writes into
the run directory).

``jaxdnn train`` trains a network on a data set that ships with scikit-learn or on a CSV or NPZ
file, shows a progress bar, checkpoints after every epoch (``--resume`` continues exactly where a
killed run stopped), and writes metrics, the history, the model and plots into the run
directory; ``jaxdnn predict`` applies a finished run's model to a file; ``jaxdnn sweep`` trains a
grid of models at once; ``jaxdnn verify`` checks the catalogue. Every error a user can cause is
one line on stderr and exit status 2; a diverged run exits with status 1.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import signal
import sys
from collections.abc import Sequence
from typing import Any

from jaxdnn._extras import MissingExtra, require
from jaxdnn.cli.parse import (
    EXIT_FAILED,
    EXIT_USAGE,
    UsageError,
    build_parser,
    fill_defaults,
)

__all__ = ["main", "entry_point"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jaxdnn`` console script."""
    global _RUNNING
    args = None
    try:
        try:
            args = _RUNNING = build_parser().parse_args(argv)
        except SystemExit:  # --help or --version, printed
            _flush_stdout()  # output that cannot be written fails here, and is reported below
            raise
        args.argv = list(sys.argv[1:] if argv is None else argv)
        require("testing" if args.command == "verify" else "cli", f"jaxdnn {args.command}")
        if args.command in ("train", "sweep"):
            fill_defaults(args)
            from jaxdnn.cli import run

            command = run.train_command if args.command == "train" else run.sweep_command
        else:
            from jaxdnn.cli import use

            command = use.predict_command if args.command == "predict" else use.verify_command
        status = command(args)
        _flush_stdout()  # output that cannot be written fails here, and is reported below
        return status
    except UsageError as error:
        print(f"jaxdnn: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except MissingExtra as error:
        print(f"jaxdnn: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(_interrupted_message(args).strip(), file=sys.stderr)
        return 130
    except BrokenPipeError:  # stdout was closed (`jaxdnn … | head`): stop quietly, as cat does
        _discard_stdout()
        return 128 + signal.SIGPIPE
    except OSError as error:  # a full disk, a read-only or vanished run directory
        if error.filename is None:  # every file write names its file: this is the output
            _discard_stdout()
            print(
                f"jaxdnn: error: cannot write the output: {error.strerror or error}",
                file=sys.stderr,
            )
            return EXIT_FAILED
        kept = ""
        if args is not None and args.command in ("train", "sweep"):
            kept = "; every finished epoch is kept (free space or fix the directory, then --resume)"
        print(
            f"jaxdnn: error: cannot write {error.filename}: {error.strerror or error}{kept}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except MemoryError:
        print(f"jaxdnn: error: out of memory{_network_size()}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as error:
        if "RESOURCE_EXHAUSTED" not in str(error):
            raise
        match = re.search(r"allocating (\d+) bytes", str(error))
        asked = f" allocating {int(match[1]) / 2**30:,.1f} GiB" if match else ""
        print(f"jaxdnn: error: out of memory{asked}{_network_size()}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        _release()


def _flush_stdout() -> None:
    """Flush stdout: OSError when the output cannot be written (a full disk, a reader gone, a
    standard output closed from the start, ``jaxdnn … >&-``)."""
    if sys.stdout is None:
        raise OSError(errno.EBADF, "standard output is closed")
    sys.stdout.flush()


def _discard_stdout() -> None:
    """Send the rest of stdout to /dev/null, so that the final flush cannot fail again."""
    if sys.stdout is not None:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _network_size() -> str:
    run = sys.modules.get("jaxdnn.cli.run")
    return run.network_size() if run is not None else ""


def _release() -> None:
    """Release the run directory's lock, and remove a run directory this command created and
    left empty."""
    run = sys.modules.get("jaxdnn.cli.run")
    if run is None:
        return
    while run.HELD_LOCKS:
        run.HELD_LOCKS.pop().__exit__(None, None, None)
    while run.CREATED_RUN_DIRS:
        run.remove_if_unused(run.CREATED_RUN_DIRS.pop())


def _stop_on_interrupt(signum: int, frame: Any) -> None:
    """Ctrl-C stops the command at once: one line, exit status 130. Every finished epoch is
    already in the run directory (each file is replaced atomically, and a temporary file cut
    short is removed on the next start); the kernel releases the run's lock."""
    _flush_output()
    os.write(2, _interrupted_message(_RUNNING).encode())
    os._exit(130)


_RUNNING: argparse.Namespace | None = None
"""The parsed command line of the command running now (for the interruption message)."""


def _interrupted_message(args: argparse.Namespace | None) -> str:
    if args is not None and args.command in ("verify", "predict"):
        return "\njaxdnn: interrupted\n"
    return "\njaxdnn: interrupted; every finished epoch is kept\n"


def entry_point() -> None:
    """Console-script wrapper: exit with ``main``'s status.

    SIGINT is handled by ``_stop_on_interrupt`` rather than as a ``KeyboardInterrupt``, which
    code inside JAX, tqdm or matplotlib could catch (the run went on) or turn into a traceback.
    A finished command ends as an interrupted one does, with ``os._exit`` once its output is
    flushed, except in a process of a distributed run.
    """
    signal.signal(signal.SIGINT, _stop_on_interrupt)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    status = main()
    run = sys.modules.get("jaxdnn.cli.run")
    if run is not None and run.PROCESS_ID in os.environ:
        sys.exit(status)  # jax.distributed's exit handler disconnects from the other processes
    # Without the interpreter's teardown: every file is closed and every worker joined, so what
    # remains is JAX freeing its compiled programs one by one (0.4 s after train, 2 s after verify)
    _flush_output()
    os._exit(status)


def _flush_output() -> None:
    """Flush stdout and stderr before ``os._exit``; an output that cannot be written (a reader
    gone, a full disk) was reported, if at all, where it failed."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None: closed from the start
                stream.flush()
        except (OSError, ValueError):
            pass
