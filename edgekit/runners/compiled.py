"""LiteRT's CompiledModel as a runner: the GPU accelerator with CPU fallback."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from edgekit.system.native_log import captured_native_stderr

if TYPE_CHECKING:
    import numpy as np

__all__ = ["CompiledModelRunner", "parse_adapter"]

_ADAPTER_LINE = re.compile(r"Selected adapter:\s*(?P<name>[^,\n]+)(?P<rest>[^\n]*)")


def _failure_summary(log_lines: list[str]) -> str:
    """The runtime's own words for why the GPU path failed (its log lines that name a cause)."""
    causes = [
        line.split("]", 1)[-1].strip()
        for line in log_lines
        if any(word in line for word in ("No adapters", "Failed", "failed", "not supported", "Couldn't load"))
    ]
    return "; ".join(dict.fromkeys(causes))[:400]


def parse_adapter(log_lines: list[str]) -> dict[str, object]:
    """The adapter LiteRT's WebGPU environment selected, from its log line."""
    for line in log_lines:
        match = _ADAPTER_LINE.search(line)
        if match:
            rest = match.group("rest")
            software = "software" in rest.lower() or "swiftshader" in line.lower()
            return {"adapter": match.group("name").strip(), "adapter_details": rest.strip(", "),
                    "software": software}
    return {"adapter": "unknown (the runtime did not log one)", "adapter_details": "", "software": None}


class CompiledModelRunner:
    """A model compiled for the GPU accelerator (with CPU fallback for ops the GPU lacks).

    ``run_by_index`` returns before the GPU has finished, and each output read is its own
    GPU-to-host round trip. So: ``dispatch`` queues one inference; ``wait`` reads the smallest
    output back, which waits for the queue; ``invoke`` is both (one inference to completion);
    ``read_outputs`` reads every output (the readback cost).
    """

    asynchronous = True

    def __init__(self, model_path: str, threads: int, precision: str, signature: str | None = None) -> None:
        import numpy as np
        from ai_edge_litert.compiled_model import CompiledModel
        from ai_edge_litert.hardware_accelerator import HardwareAccelerator
        from ai_edge_litert.options import CpuOptions, GpuOptions, Options

        options = Options(
            hardware_accelerators=HardwareAccelerator.GPU | HardwareAccelerator.CPU,
            cpu_options=CpuOptions(num_threads=threads),
            gpu_options=GpuOptions(enforce_f32=precision == "fp32"),
        )
        failure: RuntimeError | None
        with captured_native_stderr() as log:
            try:
                self._model = CompiledModel.from_file(model_path, options=options)
            except RuntimeError as exc:
                failure = exc
            else:
                failure = None
        if failure is not None:
            raise RuntimeError(f"GPU compilation failed: {_failure_summary(log) or failure}") from failure
        self._adapter = parse_adapter(log)
        self._precision = precision
        keys = list(self._model.get_signature_list())
        if signature is not None and signature not in keys:
            raise ValueError(f"no signature {signature!r}; the model has {', '.join(keys)}")
        self._signature = signature or keys[0]
        self._index = keys.index(self._signature)
        self._input_details = list(self._model.get_input_tensor_details(self._signature).values())
        self._output_details = list(self._model.get_output_tensor_details(self._signature).values())
        self._inputs = self._model.create_input_buffers(self._index)
        self._outputs = self._model.create_output_buffers(self._index)
        self._reads = [
            (buffer, int(np.prod(d["shape"])), np.dtype(d["dtype"]))
            for buffer, d in zip(self._outputs, self._output_details, strict=False)
        ]
        self._sync = min(self._reads, key=lambda read: read[1] * read[2].itemsize)

    def set_inputs(self, arrays: Mapping[str, np.ndarray]) -> None:
        ordered = list(arrays.values())
        for position, (buffer, detail) in enumerate(zip(self._inputs, self._input_details, strict=False)):
            array = arrays.get(detail["name"], ordered[position])
            buffer.write(array.astype(detail["dtype"], copy=False))

    def dispatch(self) -> None:
        """Queue one inference; returns before the GPU has finished."""
        self._model.run_by_index(self._index, self._inputs, self._outputs)

    def wait(self) -> None:
        """Read the smallest output back: the read waits for every queued inference."""
        buffer, count, dtype = self._sync
        buffer.read(count, dtype)

    def invoke(self) -> None:
        """One inference to completion: run, then one synchronising read."""
        self._model.run_by_index(self._index, self._inputs, self._outputs)
        buffer, count, dtype = self._sync
        buffer.read(count, dtype)

    def read_outputs(self) -> None:
        """Read every output back: one GPU-to-host round trip each."""
        for buffer, count, dtype in self._reads:
            buffer.read(count, dtype)

    def outputs(self) -> dict[str, np.ndarray]:
        return {
            detail["name"]: buffer.read(count, dtype).reshape(detail["shape"]).copy()
            for (buffer, count, dtype), detail in zip(self._reads, self._output_details, strict=False)
        }

    def info(self) -> dict[str, Any]:
        from importlib.metadata import version

        return {
            "runtime": f"ai-edge-litert {version('ai-edge-litert')} CompiledModel",
            "accelerator": "GPU (WebGPU/Dawn on Vulkan) with CPU fallback",
            "precision_requested": self._precision,
            "fully_accelerated": bool(self._model.is_fully_accelerated()),
            "signature": self._signature,
            **self._adapter,
        }

    def close(self) -> None:
        self._model.close()
