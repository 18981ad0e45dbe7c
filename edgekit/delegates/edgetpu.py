"""Coral Edge TPU: static coverage always; compile with ``edgetpu_compiler`` and run through
``libedgetpu.so.1`` where they exist.

The Edge TPU takes only fully 8-bit-quantized models with static shapes, and the compiler maps
the graph from its start up to the first op it cannot map: that op and every op after it run on
the CPU, even supported ones (one Edge TPU custom op holds the mapped prefix). QUANTIZE of a float
model input and DEQUANTIZE of a float model output run on the CPU without splitting the graph.
Rules: ``data/edgetpu.json``. The runtime is loaded as a LiteRT delegate, never through pycoral.
"""

from __future__ import annotations

import ctypes
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgekit.delegates import register
from edgekit.delegates.base import Availability, Coverage, RunOptions, UnsupportedOp
from edgekit.delegates.rules import RuleSet
from edgekit.errors import DelegateUnavailable, ToolMissing, UnsupportedModel, UsageError
from edgekit.system.tools import last_line, operand, run_tool

if TYPE_CHECKING:
    from edgekit.model.model import Model
    from edgekit.runners.interpreter import InterpreterRunner

__all__ = [
    "EDGETPU", "EdgeTpuDelegate", "EdgeTpuCompilation", "compile_with_edgetpu_compiler", "edgetpu_coverage",
    "parse_compiler_log",
]

LIBRARY = "libedgetpu.so.1"
COMPILER = "edgetpu_compiler"
#: The custom op a compiled model runs on the Edge TPU.
COMPILED_OP = "edgetpu-custom-op"
#: Coral USB Accelerator before (Global Unichip) and after (Google) its firmware is loaded.
_USB_IDS = {("1a6e", "089a"), ("18d1", "9302")}
_MAPPED = "Mapped to Edge TPU"
_NO_RUNTIME = (
    f"{LIBRARY} not found: install the Edge TPU runtime (Coral 'libedgetpu1-std' package) "
    "and plug in a Coral device; static coverage shown"
)
_NO_DEVICE = (
    f"{LIBRARY} loads but no Coral device is attached (no /dev/apex_* PCIe device, no USB "
    "1a6e:089a or 18d1:9302): plug in a Coral USB Accelerator or install the PCIe driver; "
    "static coverage shown"
)


def _runtime_loads() -> bool:
    try:
        ctypes.CDLL(LIBRARY)
    except OSError:
        return False
    return True


def _coral_devices() -> list[str]:
    """PCIe (/dev/apex_N) and USB Coral devices visible to this host."""
    found = sorted(str(p) for p in Path("/dev").glob("apex_*"))
    for device in sorted(Path("/sys/bus/usb/devices").glob("*")):
        try:
            ids = ((device / "idVendor").read_text().strip(), (device / "idProduct").read_text().strip())
        except OSError:
            continue
        if ids in _USB_IDS:
            found.append(f"usb {ids[0]}:{ids[1]} ({device.name})")
    return found


def _boundary_reasons(model: Model, partitioning: dict) -> dict[int, str]:
    """Positions in ``model.ops`` of float-boundary QUANTIZE/DEQUANTIZE ops, with their reason."""
    main = model.subgraphs[0] if model.subgraph_count else None
    if main is None:
        return {}
    tensors = model.tensors(0)
    reasons = {}
    for position, op in enumerate(model.ops):
        if op.subgraph != 0 or not op.inputs or not op.outputs:
            continue
        source, result = tensors[op.inputs[0]], tensors[op.outputs[0]]
        if op.name == "QUANTIZE" and op.inputs[0] in main.inputs and source.dtype == "float32":
            reasons[position] = partitioning["input_boundary"]
        elif op.name == "DEQUANTIZE" and op.outputs[0] in main.outputs and result.dtype == "float32":
            reasons[position] = partitioning["output_boundary"]
    return reasons


def edgetpu_coverage(model: Model, name: str = "edgetpu") -> Coverage:
    """Static Edge TPU coverage: the mapped prefix, the op where the graph breaks, and why."""
    rules = RuleSet.load("edgetpu")
    partitioning = rules.data["partitioning"]
    common: dict[str, Any] = {"partitioning": "prefix", "accelerator": rules.accelerator}
    reason = rules.model_reason(model)
    if reason:
        every_op = tuple(UnsupportedOp(op.index, op.subgraph, op.name, reason) for op in model.ops)
        first = every_op[0] if every_op else None
        return Coverage(
            name, len(model.ops), every_op, rules.source, first_break=first, partitions=0,
            model_reason=reason, **common,
        )
    boundary = _boundary_reasons(model, partitioning)
    unsupported: list[UnsupportedOp] = []
    first_break: UnsupportedOp | None = None
    for position, (op, why) in enumerate(zip(model.ops, rules.evaluate(model), strict=True)):
        if op.subgraph != 0:
            why = partitioning["other_subgraph"]
        elif first_break is not None:
            why = why or partitioning["after_break"].format(where=first_break.where)
        elif position in boundary:
            why = boundary[position]
        elif why is not None:
            first_break = UnsupportedOp(op.index, op.subgraph, op.name, why)
        if why is not None:
            unsupported.append(UnsupportedOp(op.index, op.subgraph, op.name, why))
    mapped = len(model.ops) - len(unsupported)
    return Coverage(
        name, len(model.ops), tuple(unsupported), rules.source, first_break=first_break,
        partitions=1 if mapped else 0, **common,
    )


def parse_compiler_log(text: str, model: Model) -> Coverage:
    """Coverage from ``edgetpu_compiler``'s operation table ("Operator  Count  Status").

    The table counts ops per type, not per index, so indices are attributed in execution order:
    each type's mapped ops first, except float-boundary QUANTIZE/DEQUANTIZE ops, which take that
    type's unmapped rows first. The first other unmapped op is where the graph breaks.
    """
    rows = _table_rows(text)
    listed = sum(count for statuses in rows.values() for _, count in statuses)
    if listed != len(model.ops):
        raise UsageError(
            "compiler log",
            f"it lists {listed} ops but {model.path} has {len(model.ops)}: is it this model's log?",
        )
    rules = RuleSet.load("edgetpu")
    boundary = _boundary_reasons(model, rules.data["partitioning"])
    unsupported, first_break = [], None
    for position, op in enumerate(model.ops):
        status = _take_status(rows.get(op.name, []), prefer_mapped=position not in boundary)
        if status == _MAPPED:
            continue
        entry = UnsupportedOp(op.index, op.subgraph, op.name, status)
        unsupported.append(entry)
        if first_break is None and position not in boundary:
            first_break = entry
    version = re.search(r"Edge TPU Compiler version (\S+)", text)
    mapped = len(model.ops) - len(unsupported)
    return Coverage(
        "edgetpu", len(model.ops), tuple(unsupported),
        f"edgetpu_compiler {version.group(1) if version else '(unknown version)'} operation log",
        first_break=first_break, partitions=1 if mapped else 0, partitioning="prefix",
        accelerator=rules.accelerator,
    )


def _table_rows(text: str) -> dict[str, list[list]]:
    """Op type -> [[status, count], ...] from the table after the "Operator Count Status" header."""
    rows: dict[str, list[list]] = {}
    in_table = False
    for line in text.splitlines():
        if re.match(r"\s*Operator\s+Count\s+Status\s*$", line):
            in_table = True
            continue
        match = re.match(r"\s*([A-Za-z0-9_\-]+)\s+(\d+)\s+(\S.*?)\s*$", line)
        if in_table and match:
            rows.setdefault(match.group(1), []).append([match.group(3), int(match.group(2))])
        elif in_table and line.strip() and rows:
            break
    if not rows:
        raise UsageError(
            "compiler log",
            "no 'Operator  Count  Status' table found; run edgetpu_compiler with --show_operations",
        )
    return rows


def _take_status(statuses: list[list], prefer_mapped: bool) -> str:
    order = sorted(statuses, key=lambda row: (row[0] == _MAPPED) != prefer_mapped)
    for row in order:
        if row[1] > 0:
            row[1] -= 1
            return row[0]
    raise UsageError(
        "compiler log", "it lists fewer ops of one type than the model has: is it this model's log?"
    )


#: How long one ``edgetpu_compiler`` run may take before it is stopped.
COMPILE_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class EdgeTpuCompilation:
    """What one ``edgetpu_compiler`` run produced: the compiled model and the compiler's own coverage."""

    path: Path
    coverage: Coverage
    log: str


def compile_with_edgetpu_compiler(
    model_path: str | Path, out_dir: str | Path, timeout_s: float = COMPILE_TIMEOUT_S
) -> EdgeTpuCompilation:
    """Compile ``model_path`` into ``out_dir`` (``<stem>_edgetpu.tflite``) and read its operation log.

    The one place edgekit runs the compiler. Raises ToolMissing when it is not on PATH (it exists
    for x86-64 Linux only), ToolTimeout when it runs past ``timeout_s``, UnsupportedModel when it
    refuses the model.
    """
    from edgekit.model.model import Model

    compiler = shutil.which(COMPILER)
    if compiler is None:
        raise ToolMissing(
            COMPILER, "to compile a model for the Edge TPU",
            "install Coral's 'edgetpu-compiler' Debian package (x86-64 Linux; https://coral.ai/docs/edgetpu/compiler/)",
        )
    model_path, out_dir = Path(model_path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # --show_operations: the log then holds the per-op table, so coverage comes from the compiler
    # itself, not only from our static rules. --out_dir: by default the compiler writes into the
    # working directory. --timeout_sec: the compiler gives up on its own after 180 s by default;
    # giving it our limit makes ours the one that counts.
    command = [compiler, "--show_operations", "--out_dir", operand(out_dir),
               "--timeout_sec", str(max(1, int(timeout_s))), operand(model_path)]
    result = run_tool(command, tool=COMPILER, timeout_s=timeout_s,
                      timeout_hint="give it more time (convert's tool_timeout)",
                      failure=lambda reason: UnsupportedModel(model_path, f"{COMPILER} failed: {reason}"))
    compiled = out_dir / f"{model_path.stem}_edgetpu.tflite"
    if not compiled.is_file():
        raise UnsupportedModel(model_path, f"{COMPILER} wrote no {compiled.name}: {last_line(result)}")
    log_file = out_dir / f"{model_path.stem}_edgetpu.log"
    log = log_file.read_text() if log_file.is_file() else result.output
    return EdgeTpuCompilation(compiled, parse_compiler_log(log, Model.open(model_path)), log)


@dataclass(frozen=True)
class EdgeTpuDelegate:
    name: str = "edgetpu"
    summary: str = "Coral Edge TPU (libedgetpu)"
    uses_threads: bool = True
    #: Ops outside the Edge TPU custom op run on the CPU: partial coverage is a slower run, not none.
    cpu_fallback: bool = True

    def probe(self) -> Availability:
        """Runtime library loadable and a Coral device attached; the compiler is reported too."""
        detail: dict[str, Any] = {
            "runtime": LIBRARY if _runtime_loads() else None, "compiler": shutil.which(COMPILER)
        }
        if detail["runtime"] is None:
            return Availability(False, _NO_RUNTIME, detail)
        detail["devices"] = _coral_devices()
        if not detail["devices"]:
            return Availability(False, _NO_DEVICE, detail)
        return Availability(True, f"{LIBRARY} with {', '.join(detail['devices'])}", detail)

    def coverage(self, model: Model) -> Coverage:
        return edgetpu_coverage(model, self.name)

    def open(self, model_path: str, options: RunOptions) -> InterpreterRunner:
        """The compiled model in the LiteRT Interpreter with the Edge TPU delegate loaded."""
        from edgekit.model.model import Model
        from edgekit.runners.interpreter import InterpreterRunner

        availability = self.probe()
        if not availability.available:
            raise DelegateUnavailable(self.name, availability.reason)
        if COMPILED_OP not in Model.open(model_path).custom_ops:
            raise UnsupportedModel(
                model_path,
                f"not compiled for the Edge TPU (no {COMPILED_OP}), so nothing would run on it: compile it "
                "first (edgekit.delegates.edgetpu.compile_with_edgetpu_compiler)",
            )
        from ai_edge_litert.interpreter import load_delegate

        try:
            delegate = load_delegate(LIBRARY)
        except (ValueError, OSError, RuntimeError) as exc:
            raise DelegateUnavailable(self.name, f"{LIBRARY} did not load as a delegate: {exc}") from exc
        kernels = f"Edge TPU ({LIBRARY}) for {COMPILED_OP}; CPU kernels for the other ops"
        return InterpreterRunner(model_path, options.threads, False, delegates=[delegate], kernels=kernels,
                                 signature=options.signature)


EDGETPU = register(EdgeTpuDelegate())
