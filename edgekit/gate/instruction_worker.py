"""Run a model's inferences for instruction counting: ``python -m edgekit.gate.instruction_worker
WORKDIR``. Reads the :class:`~edgekit.devices.request.WorkerRequest` and the input set there, loads
the model on the request's delegate (the cpu delegate), runs its loop's warm-up inferences, then
``loop.min_runs`` more, and exits. Run under valgrind by ``edgekit.gate.instructions``, which counts;
a failure is a traceback on stderr and a non-zero exit, which the parent reports by its last line.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Load, warm up, run; the count itself is valgrind's."""
    from edgekit.devices.host_worker import read_request

    request, delegate, sets = read_request(Path(argv[1]))
    runner = delegate.open(request.model_path, request.options)
    runner.set_inputs(sets[0])
    for _ in range(request.loop.warmup_runs + request.loop.min_runs):
        runner.invoke()
    runner.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
