"""Plain-text report for `edgekit inspect`: what a model takes, returns, contains and costs.

No colour codes and no third-party dependencies, so it reads the same in a terminal, a CI log and
a pasted bug report.
"""

from __future__ import annotations

from collections.abc import Sequence

from edgekit.model.model import Model, Quantization, TensorInfo
from edgekit.report.table import render_table
from edgekit.text.sizes import format_size

__all__ = ["format_inspection", "format_macs", "format_shape", "format_quantization"]

def format_inspection(model: Model) -> str:
    """The whole report, one section after another, ending with a newline."""
    if model.format == "tfjs-graph":
        return _graph_inspection(model) + "\n"
    sections = [
        _file_section(model),
        _signatures_section(model),
        _tensors_section(_io_title("Inputs", model), model.inputs),
        _tensors_section(_io_title("Outputs", model), model.outputs),
        _subgraphs_section(model),
        _ops_section(model),
        _metadata_section(model),
        _compute_section(model),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def _graph_inspection(graph: Model) -> str:
    """The text report of a TF.js graph model: file, signature, ops."""
    weights = len(graph.files) - 1
    lines = [
        f"{graph.path}  (TF.js graph model, {format_size(graph.size_bytes)} with {weights} weight file(s))"
    ]
    if graph.description:
        lines.append(f"converted from: {graph.description}")
    for title, tensors in (("inputs", graph.inputs), ("outputs", graph.outputs)):
        lines += ["", f"{title}:"]
        rows = [[t.name, t.dtype, "[" + ", ".join(str(d) for d in t.shape_signature) + "]"] for t in tensors]
        lines += render_table(None, rows, indent="  ")
    histogram = graph.op_histogram
    lines += ["", f"ops: {_count(sum(histogram.values()), 'node')}, {_count(len(histogram), 'type')}"]
    lines.append("  " + ", ".join(f"{name} x{count}" for name, count in histogram.items()))
    return "\n".join(lines)


def format_shape(tensor: TensorInfo) -> str:
    """``1x256x256x3``; dynamic dimensions show as ``?`` (the signature's -1)."""
    dims = tensor.shape_signature if tensor.is_dynamic else tensor.shape
    if not dims:
        return "scalar"
    return "x".join("?" if d < 0 else str(d) for d in dims)


def format_quantization(quantization: Quantization | None) -> str:
    """``scale=0.0078125 zp=-128``, ``per-axis(32) axis=0``, or ``-`` when not quantized."""
    if quantization is None:
        return "-"
    if quantization.per_axis:
        return f"per-axis({len(quantization.scale)}) axis={quantization.axis}"
    zero_point = quantization.zero_point[0] if quantization.zero_point else 0
    return f"scale={quantization.scale[0]:.6g} zp={zero_point}"


def format_macs(macs: int) -> str:
    """``~1.23 G MACs (estimate)``."""
    for factor, unit in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if macs >= factor:
            return f"~{macs / factor:.2f} {unit} MACs (estimate)"
    return f"~{macs} MACs (estimate)"


def _file_section(model: Model) -> list[str]:
    lines = [
        f"Model    {model.path}",
        f"Size     {_size(model.size_bytes)}",
        f"SHA-256  {model.sha256[:16]}...",
        f"Schema   version {model.version}",
    ]
    if model.description:
        lines.append(f"About    {model.description}")
    if model.min_runtime_version:
        lines.append(f"Runtime  needs TFLite >= {model.min_runtime_version}")
    return lines


def _signatures_section(model: Model) -> list[str]:
    if not model.signatures:
        return ["Signatures", "  none (call the model by its subgraph 0 inputs and outputs below)"]
    rows = []
    for sig in model.signatures:
        key = f"{sig.key} (subgraph {sig.subgraph})"
        for direction, named in (("in", sig.inputs), ("out", sig.outputs)):
            for name, t in named.items():
                rows.append([key, direction, name, *_tensor_cells(t)])
                key = ""
    header = ["signature", "", "name", "tensor", "shape", "dtype", "quantization"]
    return [f"Signatures ({len(model.signatures)})", *render_table(header, rows, rule=False, indent="  ")]


def _tensors_section(title: str, tensors: Sequence[TensorInfo]) -> list[str]:
    if not tensors:
        return [title, "  none"]
    rows = [_tensor_cells(t) for t in tensors]
    return [title, *render_table(["name", "shape", "dtype", "quantization"], rows, rule=False, indent="  ")]


def _tensor_cells(t: TensorInfo) -> list[str]:
    return [t.name or f"#{t.index}", format_shape(t), t.dtype, format_quantization(t.quantization)]


def _io_title(title: str, model: Model) -> str:
    return f"{title} (subgraph 0)" if model.subgraph_count > 1 else title


def _subgraphs_section(model: Model) -> list[str]:
    lines = [f"Subgraphs ({model.subgraph_count})"]
    for graph in model.subgraphs:
        lines.append(
            f"  {graph.index}: {graph.name}  {_count(graph.op_count, 'op')}, "
            f"{_count(graph.tensor_count, 'tensor')}, {_count(len(graph.inputs), 'input')}, "
            f"{_count(len(graph.outputs), 'output')}"
        )
    return lines


def _ops_section(model: Model) -> list[str]:
    custom = set(model.custom_ops)
    lines = [f"Ops ({len(model.ops)} in total, {_count(len(model.op_histogram), 'kind')})"]
    width = max((len(str(count)) for count in model.op_histogram.values()), default=1)
    for name, count in model.op_histogram.items():
        flag = " (custom)" if name in custom else ""
        lines.append(f"  {count:>{width}}  {name}{flag}")
    if custom:
        lines.append(f"  custom ops need a runtime that implements them: {', '.join(model.custom_ops)}")
    return lines


def _metadata_section(model: Model) -> list[str]:
    names = ", ".join(model.metadata_names) or "none"
    files = ", ".join(model.associated_files) or "none"
    return ["Metadata", f"  entries:          {names}", f"  associated files: {files}"]


def _compute_section(model: Model) -> list[str]:
    macs = model.macs
    lines = ["Compute", f"  {format_macs(macs.total)}"]
    for name, count in macs.by_op.items():
        lines.append(f"    {name}: {format_macs(count).removesuffix(' (estimate)')}")
    if not macs.by_op:
        lines.append("    no convolution, fully connected or batch matmul ops")
    if macs.skipped:
        lines.append(f"  {_count(macs.skipped, 'op')} not counted: shapes unknown")
    lines.append("  counts convolutions, fully connected and batch matmul from static shapes only")
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"



def _size(size_bytes: int) -> str:
    return f"{format_size(size_bytes)} ({size_bytes:,} bytes)"
