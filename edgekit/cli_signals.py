"""How the CLI treats SIGTERM: as an interrupt, so every cleanup path Ctrl-C takes runs for it too."""

from __future__ import annotations

import signal

__all__ = ["Terminated", "TERMINATIONS", "on_sigterm", "interrupted_exit"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as an interrupt so that every cleanup path Ctrl-C takes runs for it too."""


#: SIGTERMs received by this run of `main` (a library call may absorb the interrupt it raised).
TERMINATIONS: list[int] = []


def on_sigterm(signum: int, frame: object) -> None:
    TERMINATIONS.append(signum)
    raise Terminated()


def interrupted_exit(exc: BaseException | None = None) -> int:
    """130 after Ctrl-C, 143 after SIGTERM (the shell's 128 + signal number)."""
    terminated = isinstance(exc, Terminated) or bool(TERMINATIONS)
    return 128 + (signal.SIGTERM if terminated else signal.SIGINT)
