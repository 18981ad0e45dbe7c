"""Instructions retired per inference, counted by valgrind: a latency proxy that noise cannot move.

Method: the instruction worker (``edgekit.gate.instruction_worker``) loads the model on the cpu
delegate (XNNPACK), runs one warm-up inference and then N more, under valgrind's callgrind with
collection on only inside LiteRT's ``InterpreterWrapper::Invoke`` and a dump after each call. Each
dump holds exactly one inference's instructions, so Python start-up, imports, model loading and
XNNPACK's weight packing are never counted, the warm-up is dropped by position, and the N warm
inferences are counted one by one. Measured here: every warm inference of a process, and every
process, gives the same count to the instruction. No client requests are needed, so any Python
works. Because a warm count is exact, one warm inference per model is counted by default, and
extra repetitions stop as soon as one agrees to the instruction with the first: the check costs
one valgrind process per model (about 30 s for pose-landmark-full here), not minutes.

Where valgrind cannot see that function (a LiteRT build without its symbols), the count falls back
to whole processes under cachegrind: ``(I(2N) - I(N)) / N``, in which start-up and warm-up cancel.
A whole process varies by a few thousand instructions run to run, so that fallback is steady to
about 0.1% for a model of a few million instructions per inference: raise ``inferences`` for small
models. ``InstructionCount.method`` says which was used.

Valgrind runs the code on a synthetic CPU without AVX-512: XNNPACK then picks its AVX2 kernels,
so the count describes those, whatever this machine would run natively. It is a proxy for
comparing two models on one machine, not a latency.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from edgekit.errors import ModelNotFound, RunFailed, ToolMissing, UsageError
from edgekit.system.tools import ToolRun, run_tool

__all__ = ["InstructionCount", "count_instructions", "valgrind_available"]

_THREAD_POOLS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_INSTRUCTIONS = re.compile(r"I\s+refs:\s+([\d,]+)")
_INVOKE_FUNCTION = "tflite::interpreter_wrapper::InterpreterWrapper::Invoke(int)"
_TOTALS = re.compile(r"^totals:\s+(\d+)", re.MULTILINE)
_KERNELS = "AVX2 kernels (valgrind has no AVX-512)"
_METHOD_INVOKE = ("valgrind callgrind, cpu delegate; instructions inside LiteRT's Invoke only, one dump per "
                  f"inference, warm-up dropped; {_KERNELS}")
_METHOD_PROCESS = ("valgrind cachegrind (no cache simulation), cpu delegate; whole processes, "
                   "(I(2N) - I(N)) / N after one warm-up inference, so start-up, loading and warm-up "
                   f"cancel; {_KERNELS}")


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
    model: Path, *, threads: int = 1, repetitions: int = 1, inferences: int = 1, timeout_s: float = 900
) -> InstructionCount:
    """Count instructions per warm inference of ``model`` (see the module docstring for how).

    Each repetition is one valgrind process running a warm-up and ``inferences`` more (two processes
    in the whole-process fallback); its value is the mean over those inferences. Under callgrind
    each counted inference runs about 60x slower than native, and a warm count is exact, so one
    suffices. Up to ``repetitions`` processes run, stopping at the second when it agrees exactly
    with the first. ``timeout_s`` bounds each valgrind run.
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
    method = _METHOD_INVOKE
    for _ in range(repetitions):
        per_inference = None
        if method == _METHOD_INVOKE:
            per_inference = _invoke_counts(model, threads, inferences, timeout_s)
        if per_inference is None:  # valgrind cannot see LiteRT's Invoke in this build: whole processes
            method = _METHOD_PROCESS
            single = _process_count(model, threads, inferences, timeout_s)
            double = _process_count(model, threads, 2 * inferences, timeout_s)
            runs.append((double - single) / inferences)
        else:
            runs.append(statistics.mean(per_inference))
        if len(runs) == 2 and runs[1] == runs[0]:
            break  # exact agreement: a third process would count the same again
    median = statistics.median(runs)
    spread = (max(runs) - min(runs)) / median if median > 0 else 0.0
    return InstructionCount(per_inference=median, runs=tuple(runs), spread=spread, method=method)


def _invoke_counts(model: Path, threads: int, inferences: int, timeout_s: float) -> list[int] | None:
    """Instructions of each warm inference, one callgrind dump per Invoke; None where no Invoke was seen."""
    with tempfile.TemporaryDirectory(prefix="edgekit-callgrind-") as folder:
        out = Path(folder) / "callgrind.out"
        _valgrind(["--tool=callgrind", f"--callgrind-out-file={out}", "--collect-atstart=no",
                   f"--toggle-collect={_INVOKE_FUNCTION}", f"--dump-after={_INVOKE_FUNCTION}"],
                  model, threads, inferences, timeout_s)
        dumps = sorted(Path(folder).glob("callgrind.out.*"), key=lambda path: int(path.suffix[1:]))
        totals = [_TOTALS.search(path.read_text(errors="replace")) for path in dumps]
    if not dumps:
        return None
    counts = [int(match.group(1)) for match in totals if match]
    if len(counts) != inferences + 1:
        raise RunFailed(model, "error", f"counting instructions failed: {len(counts)} inferences counted, "
                        f"{inferences + 1} run")
    return counts[1:]


def _process_count(model: Path, threads: int, inferences: int, timeout_s: float) -> int:
    """Instructions valgrind counts for one whole worker process."""
    stderr = _valgrind(["--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"],
                       model, threads, inferences, timeout_s)
    match = _INSTRUCTIONS.search(stderr)
    if match is None:
        raise RunFailed(model, "error", "counting instructions failed: valgrind printed no instruction count")
    return int(match.group(1).replace(",", ""))


def _valgrind(tool: list[str], model: Path, threads: int, inferences: int, timeout_s: float) -> str:
    """Run the worker under valgrind with ``tool``'s options: one warm-up inference, then INFERENCES;
    valgrind's stderr."""
    from edgekit.devices.request import INPUTS_FILE, WorkerRequest
    from edgekit.files.array_sets import pack_sets
    from edgekit.inputs.seeded import generate_inputs
    from edgekit.measure.loop import LoopConfig
    from edgekit.model.model import Model

    with tempfile.TemporaryDirectory(prefix="edgekit-instructions-") as folder:
        workdir = Path(folder)
        loop = LoopConfig(warmup_runs=1, warmup_seconds=0.0, min_runs=inferences, min_seconds=0.0)
        WorkerRequest("cpu", threads, models=(str(model.resolve()),), loop=loop).write(workdir)
        pack_sets(workdir / INPUTS_FILE, [generate_inputs(Model.open(model).inputs, seed=0)])
        command = ["valgrind", *tool, sys.executable, "-m", "edgekit.gate.instruction_worker", str(workdir)]
        done = run_tool(command, tool="valgrind", timeout_s=timeout_s, env=_environment(),
                        timeout_hint="count fewer `inferences` or raise `timeout_s`",
                        useful_line=_worker_line, failure=functools.partial(_count_failed, model))
    return done.stderr


def _count_failed(model: Path, reason: str) -> RunFailed:
    return RunFailed(model, "error", f"counting instructions failed: {reason}")


def _worker_line(done: ToolRun) -> str:
    """The worker's last line of its own (valgrind's lines start with ``==PID==``)."""
    lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("==")]
    return lines[-1] if lines else f"valgrind exited with code {done.returncode}"


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
