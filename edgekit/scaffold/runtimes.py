"""Which runtime runs a model on each platform, and whether it can: checked before rendering.

A project that builds but fails in the browser with "unresolved custom op" is worse than a refusal
up front, so the ops of the model are checked against what the chosen runtime implements.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgekit.files.datafiles import load_json
from edgekit.scaffold.binding import BindingError
from edgekit.scaffold.contract import TFJS_GRAPH, TFLITE, ModelContract

__all__ = ["Runtime", "runtime_for", "tfjs_graph_ops"]


@dataclass(frozen=True)
class Runtime:
    """The runtime a generated project uses for its model."""

    name: str  # "tfjs-tflite", "tfjs", "litert"
    package: str
    backends: tuple[str, ...]

    def to_dict(self) -> dict:
        """Template-ready form."""
        return {"name": self.name, "package": self.package, "backends": list(self.backends)}


TFJS_TFLITE = Runtime("tfjs-tflite", "@tensorflow/tfjs-tflite", ("wasm",))
TFJS = Runtime("tfjs", "@tensorflow/tfjs", ("wasm", "webgl", "cpu"))
LITERT = Runtime("litert", "com.google.ai.edge.litert:litert", ("cpu", "gpu"))
# MediaPipe custom ops that LiteRT's CompiledModel runs anyway: its CPU accelerator is XNNPACK, which
# implements them (selfie_segmentation is fully accelerated on CPU, and on GPU, in ai-edge-litert 2.3.0).
LITERT_CUSTOM_OPS = frozenset({"Convolution2DTransposeBias"})


def tfjs_graph_ops() -> frozenset[str]:
    """The TensorFlow op names TF.js executes in graph models (data/tfjs_ops.json)."""
    return frozenset(load_json("edgekit.scaffold", "data/tfjs_ops.json")["ops"])


def runtime_for(app: str, platform: str, contract: ModelContract) -> Runtime:
    """The runtime for ``contract`` on ``platform``; BindingError when it cannot run the model there."""
    def fail(reason: str) -> BindingError:
        return BindingError(app, contract.display_name, reason)

    dynamic = [t for t in (*contract.inputs, *contract.outputs) if t.is_dynamic]
    if dynamic:
        raise fail(f"tensor {dynamic[0].describe()} has a dynamic dimension; convert it with fixed shapes "
             "(edgekit convert --input-shape NAME=1,...)")
    alternative = contract.hints.get("web_alternative" if platform == "web" else "android_alternative")
    instead = f"; use {alternative} instead" if alternative else ""
    if platform == "android":
        if contract.format != TFLITE:
            raise fail(
                f"Android apps run .tflite models with LiteRT and "
                f"{contract.model_file} is a TF.js graph model; "
                "convert it first (edgekit convert MODEL --variants fp32)"
            )
        unsupported = [op for op in contract.custom_ops if op not in LITERT_CUSTOM_OPS]
        if unsupported:
            raise fail(f"the model uses custom op {unsupported[0]}, which LiteRT's built-in op set does not "
                 f"implement; register it in the app yourself or pick a model with builtin ops only{instead}")
        return LITERT
    if contract.format == TFLITE:
        if contract.custom_ops:
            raise fail(
                f"the model uses custom op {contract.custom_ops[0]}, which the web TFLite runtime "
                "(@tensorflow/tfjs-tflite) does not implement"
                f"{instead or '; pick a model with builtin ops only'}"
            )
        return TFJS_TFLITE
    if contract.format == TFJS_GRAPH:
        unknown = sorted(set(contract.ops) - tfjs_graph_ops())
        if unknown:
            raise fail(f"the graph uses op {unknown[0]}, which TF.js does not implement"
                 f"{' (and ' + str(len(unknown) - 1) + ' more)' if len(unknown) > 1 else ''}{instead}")
        return TFJS
    raise fail(f"unknown model format {contract.format!r}")
