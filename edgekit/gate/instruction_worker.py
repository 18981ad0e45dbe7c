"""Run a model's inferences for instruction counting: ``python -m edgekit.gate.instruction_worker
MODEL THREADS INFERENCES``. Loads the model on the cpu delegate, runs one warm-up inference, then
INFERENCES more, and exits. Run under valgrind by ``edgekit.gate.instructions``.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    """Load, warm up, run; the count itself is valgrind's."""
    from edgekit import delegates
    from edgekit.delegates.base import RunOptions
    from edgekit.inputs.seeded import generate_inputs
    from edgekit.model.model import Model

    model, threads, inferences = argv[1], int(argv[2]), int(argv[3])
    runner = delegates.get("cpu").open(model, RunOptions(threads=threads))
    runner.set_inputs(generate_inputs(Model.open(model).inputs, seed=0))
    runner.invoke()
    for _ in range(inferences):
        runner.invoke()
    runner.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
