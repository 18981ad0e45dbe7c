"""Instructions retired per inference, counted by valgrind: a latency proxy that noise cannot move.

Method: the instruction worker (``edgekit.gate.instruction_worker``) loads the model on the cpu
delegate (XNNPACK), runs one warm-up inference and then N more; it runs under valgrind's
cachegrind with the cache simulation off (only the instruction count, ``I refs``, is wanted, and
that is its cheapest tool), once with N and once with 2N inferences. Python start-up, imports,
model loading, XNNPACK's weight packing and the warm-up are the same in both runs, so
``(I(2N) - I(N)) / N`` is the cost of one warm inference alone. No client requests are needed, so
any Python and any LiteRT build works. A whole process still varies by a few thousand
instructions run to run (measured), so a repetition is steady to 0.01% for a model of tens of
millions of instructions per inference, but only to ~1% for one of a few hundred thousand: raise
``inferences`` for tiny models.

Valgrind runs the code on a synthetic CPU without AVX-512: XNNPACK then picks its AVX2 kernels,
so the count describes those, whatever this machine would run natively. It is a proxy for
comparing two models on one machine, not a latency.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from edgekit.errors import ModelNotFound, RunFailed, ToolMissing, ToolTimeout, UsageError

__all__ = ["InstructionCount", "count_instructions", "valgrind_available"]

_THREAD_POOLS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_INSTRUCTIONS = re.compile(r"I\s+refs:\s+([\d,]+)")
_METHOD = ("valgrind cachegrind (no cache simulation), cpu delegate; (I(2N) - I(N)) / N after one warm-up "
           "inference, so start-up, loading and warm-up cancel; AVX2 kernels (valgrind has no AVX-512)")


@dataclass(frozen=True)
class InstructionCount:
    """Instructions per inference, with one value per repetition to show it does not vary."""

    per_inference: float  # median over repetitions
    runs: tuple[float, ...]
    spread: float  # (max - min) / median across repetitions
    method: str

    def to_dict(self) -> dict:
        """JSON-ready."""
        return {"per_inference": self.per_inference, "runs": list(self.runs), "spread": self.spread,
                "method": self.method}


def valgrind_available() -> bool:
    """True when ``valgrind`` is on PATH."""
    return shutil.which("valgrind") is not None


def count_instructions(
    model: Path, *, threads: int = 1, repetitions: int = 1, inferences: int = 3, timeout_s: float = 900
) -> InstructionCount:
    """Count instructions per warm inference of ``model`` (see the module docstring for how).

    Each repetition runs the model under valgrind twice (``inferences`` and twice as many, after a
    warm-up); valgrind runs this code about 100x slower than native, so a few inferences suffice:
    the count hardly varies. ``timeout_s`` bounds each valgrind run.
    """
    if repetitions < 1 or inferences < 1 or threads < 1:
        raise UsageError("repetitions" if repetitions < 1 else "inferences" if inferences < 1 else "threads",
                         "must be at least 1")
    model = Path(model)
    if not model.is_file():
        raise ModelNotFound(str(model), "instruction counting needs a .tflite file")
    if not valgrind_available():
        raise ToolMissing("valgrind", "to count instructions",
                          "install it with `apt-get install valgrind` (Debian/Ubuntu)")
    runs = []
    for _ in range(repetitions):
        single = _instructions(model, threads, inferences, timeout_s)
        double = _instructions(model, threads, 2 * inferences, timeout_s)
        runs.append((double - single) / inferences)
    median = statistics.median(runs)
    spread = (max(runs) - min(runs)) / median if median > 0 else 0.0
    return InstructionCount(per_inference=median, runs=tuple(runs), spread=spread, method=_METHOD)


def _instructions(model: Path, threads: int, inferences: int, timeout_s: float) -> int:
    """Instructions valgrind counts for one whole worker process."""
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
               sys.executable, "-m", "edgekit.gate.instruction_worker", str(model.resolve()), str(threads),
               str(inferences)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=timeout_s,
                              env=_environment(), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise ToolTimeout("valgrind", timeout_s, "count fewer `inferences` or raise `timeout_s`") from exc
    match = _INSTRUCTIONS.search(done.stderr)
    if done.returncode != 0 or match is None:
        lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("==")]
        reason = lines[-1][:300] if lines else f"valgrind exited with code {done.returncode}"
        raise RunFailed(model, "error", f"counting instructions failed: {reason}")
    return int(match.group(1).replace(",", ""))


def _environment() -> dict[str, str]:
    # The worker must import this very edgekit; a fixed hash seed keeps start-up identical run to run.
    # numpy's OpenBLAS starts one worker thread per core at import, and idle workers spin: under
    # valgrind's serialised threads that spinning added 0-15% to a run's count (measured), so one.
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    env["PYTHONHASHSEED"] = "0"
    env.update({name: "1" for name in _THREAD_POOLS})
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env
