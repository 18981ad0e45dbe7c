"""One interface for running a model, whatever the runtime.

A runner is a model loaded (its constructor) and ready to run: ``set_inputs``, ``invoke``,
``outputs``, ``info``, ``close``. The bench worker times ``invoke`` on it; golden vectors,
convert references and accuracy references use :func:`run_once`. Implementations, one per
runtime: LiteRT's Interpreter (:mod:`.interpreter`), LiteRT's CompiledModel (:mod:`.compiled`),
and a TensorFlow function (:mod:`.tensorflow`: SavedModels, Keras files, TF.js graph models read
back into TensorFlow).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Runner", "run_once"]


class Runner(Protocol):
    """A loaded model ready for inference.

    Three timings come from these calls (see ``edgekit.measure.loop``): latency times ``invoke``
    (one inference to completion), throughput times back-to-back ``dispatch`` calls closed by one
    ``wait``, readback times ``read_outputs``. For a synchronous runtime (``asynchronous`` False)
    ``dispatch`` is ``invoke`` and throughput coincides with latency.
    """

    #: Whether ``dispatch`` may return before the inference has finished (a GPU queue).
    asynchronous: bool

    def set_inputs(self, arrays: Mapping[str, np.ndarray]) -> None:
        """Inputs by tensor name (a runner may also accept them in input order)."""

    def invoke(self) -> None:
        """One inference to completion: when it returns, the outputs are ready to read."""

    def dispatch(self) -> None:
        """Start one inference; an asynchronous runtime returns before it has finished."""

    def wait(self) -> None:
        """Block until every dispatched inference has finished."""

    def read_outputs(self) -> None:
        """Bring every output to the host (the cost of reading results, timed as readback)."""

    def outputs(self) -> dict[str, np.ndarray]:
        """Every output by tensor name, copied out of the runtime."""

    def info(self) -> dict[str, Any]:
        """What actually ran: runtime, kernels, acceleration facts."""

    def close(self) -> None:
        """Release the runtime's resources."""


def run_once(runner: Runner, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One inference on ARRAYS; returns the outputs and closes the runner."""
    try:
        runner.set_inputs(arrays)
        runner.invoke()
        return runner.outputs()
    finally:
        runner.close()
