"""How the CLI treats Ctrl-C and SIGTERM: exit 130 / 143 with one line, at any moment, start-up included.

Two phases. While the CLI starts (imports, building the parser) a signal is only *recorded*: an
exception raised inside an import can surface as another error (a half-imported C extension's
ImportError, a RuntimeError wrapping it from a dataclass field) or be swallowed by a bare
``except``, and Python then misreports the exit. Once the command runs, a signal is recorded and
raised (KeyboardInterrupt; SIGTERM as :class:`Terminated`, a KeyboardInterrupt too) so every cleanup
path Ctrl-C takes runs for both. Whatever the command then returns or raises, a recorded signal
decides the exit code.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "Terminated",
    "RECEIVED",
    "hold_signals",
    "raising_signals",
    "received",
    "interrupted_exit",
]

_HANDLED = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as an interrupt so that every cleanup path Ctrl-C takes runs for it too."""


#: Signals received since the CLI started (a library call may absorb the interrupt it raised).
RECEIVED: list[int] = []


def _record(signum: int, frame: object) -> None:
    RECEIVED.append(signum)


def _record_and_raise(signum: int, frame: object) -> None:
    RECEIVED.append(signum)
    _raise_when_it_can_surface(signum, frame)


#: A signal recorded but not yet raised, because it arrived where an exception is swallowed.
_PENDING: list[int] = []


def _raise_when_it_can_surface(signum: int, frame: object) -> None:
    """Raise SIGNUM's interrupt now, or a moment later if FRAME would swallow it.

    An exception raised inside a weak-reference callback (the import system's module locks have
    one) or a finaliser is printed as "Exception ignored" and dropped: the command would go on
    running. There the interrupt is kept and delivered again by a short timer until it lands in
    ordinary code.
    """
    if _swallows(frame) and hasattr(signal, "setitimer"):
        if not _PENDING:
            _PENDING.append(signum)
            signal.signal(signal.SIGALRM, _deliver_pending)
        signal.setitimer(signal.ITIMER_REAL, 0.02)
        return
    _PENDING.clear()
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _deliver_pending(_signum: int, frame: object) -> None:
    if _PENDING:
        _raise_when_it_can_surface(_PENDING[0], frame)


def _swallows(frame: object) -> bool:
    """Whether an exception raised in FRAME is dropped instead of propagated."""
    code = getattr(frame, "f_code", None)
    if code is None:
        return False
    return code.co_filename.startswith("<frozen importlib") or code.co_name == "__del__"


def hold_signals() -> dict[int, Any]:
    """From now on Ctrl-C and SIGTERM are recorded, not raised; the handlers they replace.

    Called first thing by the command's entry, before the CLI's imports, so that an interrupt
    during start-up ends as exit 130 instead of a traceback. Only the main thread may set handlers:
    elsewhere (a CLI run inside a test thread) nothing changes.
    """
    return _install(_record)


@contextmanager
def raising_signals() -> Iterator[None]:
    """While the command runs: signals recorded and raised; the handlers before restored after."""
    previous = _install(_record_and_raise)
    try:
        yield
    finally:
        if _PENDING and hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        _PENDING.clear()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def received() -> bool:
    """Whether Ctrl-C or SIGTERM arrived since the CLI started."""
    return bool(RECEIVED)


def interrupted_exit(exc: BaseException | None = None) -> int:
    """130 after Ctrl-C, 143 after SIGTERM (the shell's 128 + signal number)."""
    terminated = isinstance(exc, Terminated) or signal.SIGTERM in RECEIVED
    _forget_unhandled_mark()
    return 128 + (signal.SIGTERM if terminated else signal.SIGINT)


def _forget_unhandled_mark() -> None:
    """Undo CPython's note that an interrupt went unhandled, now that it has been handled.

    CPython notes an interrupt raised inside code that ``exec`` compiled from text (dataclasses
    and named tuples build their methods that way, so any import may be running such code) as
    unhandled even when it is caught, and at exit kills the process with SIGINT instead of
    returning the exit code. Evaluating any text resets that note (``run_eval_code_obj``).
    """
    exec("None")  # noqa: S102 - constant text, evaluated for its side effect on the interpreter


def _install(handler: Callable[[int, object], None]) -> dict[int, Any]:
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, handler) for signum in _HANDLED}
