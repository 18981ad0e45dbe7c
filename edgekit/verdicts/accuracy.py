"""Is a run still correct? Judge its outputs against reference outputs, output by output.

The metrics themselves live in edgekit.verdicts.metrics (max / mean abs error, RMSE, cosine, SNR, NaN/Inf,
all-zero, top-1/top-5). Quantized outputs are dequantized with each model's own scale and zero point
first, so a float model and its int8 variant are compared in real values.

Thresholds come in presets per precision (``PRESETS``): each has ``fail`` thresholds and stricter
``warn`` thresholds. An output fails when a metric misses its fail threshold, and warns when it
meets the fail threshold but misses the warn one. ``parse_tolerance("cosine=0.995")`` overrides
fail thresholds; warn thresholds are left as the preset has them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from edgekit.errors import UsageError
from edgekit.model.model import Quantization, TensorInfo
from edgekit.model.quantization import dequantize, is_quantized
from edgekit.verdicts.metrics import OutputMetrics, optional_float, output_metrics
from edgekit.verdicts.roles import OutputRole
from edgekit.verdicts.task_metrics import Decision, judge_role, worst

if TYPE_CHECKING:
    from edgekit.model.model import Model

__all__ = [
    "FP16_DELEGATES",
    "PRECISIONS",
    "PRESETS",
    "QUANTIZED_DTYPES",
    "VERDICTS",
    "AccuracyReport",
    "OutputMetrics",
    "Preset",
    "Tolerance",
    "compare_outputs",
    "dequantize",
    "has_float16_constants",
    "output_metrics",
    "parse_tolerance",
    "presets_with",
    "precision_for",
    "precision_for_model",
    "quantized_tensor_dtypes",
]

PRECISIONS = ("fp32", "fp16", "int8")
VERDICTS = ("pass", "warn", "fail")
#: Delegates whose default arithmetic is fp16 (LiteRT's GPU accelerator, TF.js's WebGL with f16
#: textures; each unless told fp32).
FP16_DELEGATES = frozenset({"gpu", "tfjs-webgl"})
#: Integer types a tensor is quantized to (weights or activations).
QUANTIZED_DTYPES = frozenset({"int4", "int8", "uint8", "int16"})


@dataclass(frozen=True)
class Tolerance:
    """Thresholds applied to every output; a threshold that is None is not checked.

    ``cosine_min``, ``snr_db_min`` and ``top1_min`` are lower bounds; ``max_abs``, ``max_abs_rel``
    and ``rmse`` upper bounds. ``max_abs_rel`` is the max abs error divided by the reference's
    largest magnitude, so one threshold suits probabilities and logits in the hundreds alike.
    """

    cosine_min: float | None = None
    snr_db_min: float | None = None
    max_abs: float | None = None
    max_abs_rel: float | None = None
    rmse: float | None = None
    top1_min: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        """JSON-ready form."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tolerance:
        """Inverse of ``to_dict``; absent keys are unchecked."""
        return cls(**{f.name: optional_float(data.get(f.name)) for f in fields(cls)})


@dataclass(frozen=True)
class Preset:
    """A named pair of thresholds: ``fail`` ones, and stricter ``warn`` ones.

    ``overrides`` names the ``--tolerance`` keys whose fail thresholds the user set, so a report
    says which limits were the preset's and which were the user's.
    """

    name: str
    fail: Tolerance
    warn: Tolerance
    overrides: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "fail": self.fail.to_dict(),
            "warn": self.warn.to_dict(),
            "overrides": list(self.overrides),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Preset:
        """Inverse of ``to_dict``."""
        return cls(
            name=data["name"],
            fail=Tolerance.from_dict(data["fail"]),
            warn=Tolerance.from_dict(data["warn"]),
            overrides=tuple(data.get("overrides", ())),
        )


# Calibration facts (measured with ai-edge-litert 2.3.0 on seeded uniform [-1, 1] inputs):
# XNNPACK vs reference kernels on MediaPipe pose_landmark lite/full/heavy, 15 outputs x 2 seeds:
# cosine >= 0.99999999, SNR >= 65 dB, max_abs_rel <= 1.4e-3 (1.75 on logits of magnitude 1257).
# SNR and cosine agree for random error (SNR ~ -10*log10(2*(1 - cosine)): 0.9999 ~ 37 dB,
# 0.999 ~ 27 dB, 0.99 ~ 17 dB, 0.98 ~ 14 dB), but only SNR sees a scale error: an output
# that is twice the reference has cosine 1.0 and SNR 0 dB. Hence both.
# top-1 is a warn threshold everywhere: with one input row it is a single coin that flips only on
# near-ties, and the shape rule cannot tell class scores from e.g. landmark vectors [1, 195].
PRESETS: dict[str, Preset] = {
    # fp32 against fp32: only summation order, FMA and approximated transcendentals differ.
    # Fail at ~1% rms error (SNR 40 dB, cosine 0.9999) or a worst element at 1% of the output's
    # largest magnitude (7x the worst measured); warn at 0.3% rms (50 dB, still 15 dB short of
    # the worst measured) or a worst element at 0.3% (2x the worst measured).
    "fp32": Preset(
        "fp32",
        fail=Tolerance(cosine_min=0.9999, snr_db_min=40.0, max_abs_rel=1e-2),
        warn=Tolerance(cosine_min=0.99999, snr_db_min=50.0, max_abs_rel=3e-3, top1_min=1.0),
    ),
    # fp16 arithmetic (GPU): unit roundoff 2**-11 ~ 4.9e-4 per op, accumulated over tens of layers
    # gives ~1e-3 relative error, i.e. SNR 40-60 dB. Fail at ~5% rms error (cosine 0.999,
    # SNR 25 dB) or a worst element at 5% of the largest magnitude (50-100 fp16 steps); warn 10 dB
    # and 5x tighter. (LiteRT's GPU path on SwiftShader vs reference kernels on pose_landmark_lite
    # measured SNR >= 65 dB and max_abs_rel <= 5.1e-4: far inside both lines.)
    "fp16": Preset(
        "fp16",
        fail=Tolerance(cosine_min=0.999, snr_db_min=25.0, max_abs_rel=5e-2),
        warn=Tolerance(cosine_min=0.9999, snr_db_min=35.0, max_abs_rel=1e-2, top1_min=1.0),
    ),
    # int8 (full-integer or dynamic-range) against float: one int8 step is 0.4% of a tensor's
    # range and rounding adds up layer by layer. Measured: a well-calibrated full-int8 CNN gets
    # cosine 0.998, SNR 25 dB, max_abs_rel 0.07-0.11 and top-1 0.95-0.98 on random inputs; a
    # dynamic-range int8 BERT cosine >= 0.99 (both pass). A broken full-int8 BERT gets ~0.2-0.3,
    # the CNN calibrated on zeros ~0.26 (both fail). max_abs_rel only warns, above ~50 int8 steps:
    # single int8 elements legitimately stray; cosine and SNR judge the output as a whole.
    "int8": Preset(
        "int8",
        fail=Tolerance(cosine_min=0.98, snr_db_min=10.0),
        warn=Tolerance(cosine_min=0.99, snr_db_min=15.0, max_abs_rel=0.2, top1_min=0.95),
    ),
}

#: tolerance key -> (Tolerance field, OutputMetrics attribute, True for a lower bound, valid range)
_CHECKS: dict[str, tuple[str, str, bool, tuple[float, float]]] = {
    "cosine": ("cosine_min", "cosine", True, (-1.0, 1.0)),
    "snr_db": ("snr_db_min", "snr_db", True, (-math.inf, math.inf)),
    "max_abs": ("max_abs", "max_abs", False, (0.0, math.inf)),
    "max_abs_rel": ("max_abs_rel", "max_abs_rel", False, (0.0, math.inf)),
    "rmse": ("rmse", "rmse", False, (0.0, math.inf)),
    "top1": ("top1_min", "top1_agreement", True, (0.0, 1.0)),
}
_DISABLED = ("none", "off")


def presets_with(tolerance: str | None) -> Callable[[str], Preset | None]:
    """precision -> Preset, with the user's TOLERANCE ("cosine=0.995,...") applied to every preset."""
    presets = {
        name: parse_tolerance(tolerance, preset) if tolerance else preset for name, preset in PRESETS.items()
    }
    return presets.get


def parse_tolerance(text: str, base: Preset) -> Preset:
    """``base`` with the fail thresholds ``text`` sets, e.g. ``"cosine=0.995,max_abs=1e-3"``.

    ``KEY=none`` (or ``off``) turns a fail check off. Unknown keys, values that are not numbers
    or lie outside the key's range raise UsageError naming the problem and the valid keys.
    """
    valid = ", ".join(_CHECKS)
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise UsageError("tolerance", f"no thresholds given; use KEY=VALUE pairs with keys: {valid}")
    changes: dict[str, float | None] = {}
    for item in items:
        key, equals, raw = (part.strip() for part in item.partition("="))
        if not equals:
            raise UsageError("tolerance", f"{item!r} is not KEY=VALUE; e.g. 'cosine=0.995,max_abs=1e-3'")
        if key not in _CHECKS:
            raise UsageError("tolerance", f"unknown key {key!r}; valid keys: {valid}")
        if key in changes:
            raise UsageError("tolerance", f"{key!r} is given twice; give each key once")
        changes[key] = _parse_threshold(key, raw)
    fail = replace(base.fail, **{_CHECKS[key][0]: value for key, value in changes.items()})
    overrides = tuple(dict.fromkeys((*base.overrides, *changes)))
    return replace(base, fail=fail, overrides=overrides)


def _parse_threshold(key: str, raw: str) -> float | None:
    if raw.lower() in _DISABLED:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if math.isnan(value):
        raise UsageError(
            "tolerance", f"{key}={raw!r} is not a number; e.g. {key}=0.01, or {key}=none to skip it"
        )
    low, high = _CHECKS[key][3]
    if not low <= value <= high:
        raise UsageError("tolerance", f"{key}={raw} is outside [{low:g}, {high:g}]")
    return value



@dataclass(frozen=True)
class AccuracyReport:
    """The verdict on one candidate run against one reference, with every metric behind it."""

    reference: str
    precision: str
    tolerance: Preset
    outputs: tuple[OutputMetrics, ...]
    verdict: str
    reasons: tuple[str, ...]
    #: One per output: its verdict and the metric that decided it, in words.
    decisions: tuple[Decision, ...] = ()
    #: What the outputs were computed on ("random inputs (seed 0)", "realistic inputs: ...").
    judged_on: str = ""
    #: output name -> role as written, with its source.
    roles: dict[str, dict[str, object]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "reference": self.reference,
            "precision": self.precision,
            "tolerance": self.tolerance.to_dict(),
            "outputs": [output.to_dict() for output in self.outputs],
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "decisions": [decision.to_dict() for decision in self.decisions],
            "judged_on": self.judged_on,
            "roles": self.roles,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccuracyReport:
        """Inverse of ``to_dict``; a malformed dict raises KeyError, TypeError or ValueError."""
        verdict = data["verdict"]
        if verdict not in VERDICTS:
            raise ValueError(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
        return cls(
            reference=data["reference"],
            precision=data["precision"],
            tolerance=Preset.from_dict(data["tolerance"]),
            outputs=tuple(OutputMetrics.from_dict(output) for output in data["outputs"]),
            verdict=verdict,
            reasons=tuple(data["reasons"]),
            decisions=tuple(Decision.from_dict(d) for d in data.get("decisions", [])),
            judged_on=data.get("judged_on", ""),
            roles=dict(data.get("roles", {})),
        )



def compare_outputs(
    candidate: Mapping[str, np.ndarray],
    reference: Mapping[str, np.ndarray],
    *,
    candidate_tensors: Sequence[TensorInfo] = (),
    reference_tensors: Sequence[TensorInfo] = (),
    precision: str,
    tolerance: Preset | None = None,
    reference_label: str,
    roles: Mapping[str, OutputRole] | None = None,
    image_size: tuple[int, int] | None = None,
    judged_on: str = "",
) -> AccuracyReport:
    """Judge ``candidate`` outputs (keyed by tensor name) against ``reference`` outputs.

    Each side is dequantized with its own model's ``TensorInfo.quantization`` (looked up by name;
    a name without TensorInfo is taken as real values, e.g. user-supplied expected outputs).
    Outputs are matched by name when both sides have the same names, else by position (in
    TensorInfo order, then array order); differing counts or shapes fail. An output with a role
    (ROLES, by candidate tensor name) is decided by its role's metric; any other by element
    metrics on the output's own scale against ``tolerance`` (default ``PRESETS[precision]``).
    IMAGE_SIZE (height, width of the model's image input) turns normalised keypoints into pixels.
    """
    if precision not in PRESETS:
        raise UsageError(
            "precision", f"unknown precision {precision!r}; choose from: {', '.join(PRECISIONS)}"
        )
    preset = tolerance if tolerance is not None else PRESETS[precision]
    roles = roles or {}
    producers = {t.name: t.producer for t in candidate_tensors}
    cand = _ordered(candidate, candidate_tensors)
    ref = _ordered(reference, reference_tensors)
    pairs, problems = _match(cand, ref)
    decisions = [
        Decision("outputs", "structure", "matching", "fail", f"{problem} -> fail") for problem in problems
    ]
    fails: list[str] = list(problems)
    warns: list[str] = []
    measured: list[OutputMetrics] = []
    for (name, array, quantization), (ref_name, ref_array, ref_quantization) in pairs:
        label = name if name == ref_name else f"{name} (reference {ref_name})"
        if _is_text(array) or _is_text(ref_array):
            decision = _judge_text(name, label, array, ref_array)
            decisions.append(decision)
            fails += [decision.text] if decision.verdict == "fail" else []
            continue
        try:
            real, ref_real = dequantize(array, quantization), dequantize(ref_array, ref_quantization)
        except (TypeError, ValueError) as exc:
            text = f"{label}: cannot read as numbers: {exc}"
            decisions.append(Decision(name, "structure", "values", "fail", f"{text} -> fail"))
            fails.append(text)
            continue
        metrics = output_metrics(real, ref_real, name=name, reference_name=ref_name)
        measured.append(metrics)
        structural = _structural_failures(metrics, label)
        if structural:
            decisions.append(Decision(name, "structure", "values", "fail", f"{structural[0]} -> fail"))
            fails += structural
        elif name in roles:
            decision = judge_role(label, roles[name], real, ref_real, precision=precision,
                                  producer=producers.get(name), image_size=image_size)
            decisions.append(decision)
            {"fail": fails, "warn": warns}.get(decision.verdict, []).append(decision.text)
        else:
            decision, failures, warnings = _judge_elements(
                metrics, preset, label, _floor(precision, quantization)
            )
            decisions.append(decision)
            fails += failures
            warns += warnings
    return AccuracyReport(
        reference=reference_label,
        precision=precision,
        tolerance=preset,
        outputs=tuple(measured),
        verdict=worst([decision.verdict for decision in decisions]),
        reasons=tuple(fails + warns),
        decisions=tuple(decisions),
        judged_on=judged_on,
        roles={name: role.to_dict() for name, role in roles.items()},
    )


def _is_text(array: np.ndarray) -> bool:
    return np.asarray(array).dtype.kind in "SUO"


def _judge_text(name: str, label: str, array: np.ndarray, ref_array: np.ndarray) -> Decision:
    """A string output: equal item for item to the reference, or it fails; no metric has a scale here."""
    def items(values: np.ndarray) -> list[bytes]:
        return [item if isinstance(item, bytes) else str(item).encode() for item in np.asarray(values).flat]

    same = (np.shape(array) == np.shape(ref_array) and _is_text(array) and _is_text(ref_array)
            and items(array) == items(ref_array))
    verdict = "pass" if same else "fail"
    how = "equal to the reference item for item" if same else "differs from the reference's text"
    return Decision(name, "text", "exact match", verdict, f"{label}: {how} -> {verdict}")


#: Below this magnitude a precision cannot tell a value from zero (fp16: its smallest subnormal,
#: 2**-24; fp32: its smallest normal, below which kernels may flush).
PRECISION_FLOORS = {"fp32": 2.0**-126, "fp16": 2.0**-24, "int8": 2.0**-126}


def _floor(precision: str, quantization: Quantization | None) -> float:
    """The magnitude under which an output is zero for this precision (half a step when quantized)."""
    floor = PRECISION_FLOORS[precision]
    if quantization is not None and quantization.scale:
        floor = max(floor, max(quantization.scale) / 2)
    return floor


_Output = tuple[str, np.ndarray, "Quantization | None"]


def _ordered(arrays: Mapping[str, np.ndarray], tensors: Sequence[TensorInfo]) -> list[_Output]:
    by_name = {tensor.name: tensor for tensor in tensors}
    names = [t.name for t in tensors if t.name in arrays] + [n for n in arrays if n not in by_name]
    return [(n, arrays[n], by_name[n].quantization if n in by_name else None) for n in names]


def _match(cand: list[_Output], ref: list[_Output]) -> tuple[list[tuple[_Output, _Output]], list[str]]:
    if not cand or not ref:
        side = "candidate" if not cand else "reference"
        return [], [f"the {side} has no outputs to compare"]
    ref_by_name = {output[0]: output for output in ref}
    if {output[0] for output in cand} == set(ref_by_name):
        return [(output, ref_by_name[output[0]]) for output in cand], []
    if len(cand) != len(ref):
        return [], [
            f"cannot match outputs: names differ ({', '.join(o[0] for o in cand)} vs reference "
            f"{', '.join(o[0] for o in ref)}) and so do counts ({len(cand)} vs {len(ref)})"
        ]
    return list(zip(cand, ref, strict=True)), []


def _structural_failures(metrics: OutputMetrics, label: str) -> list[str]:
    """Problems no metric can judge past: a different shape, NaN or Inf values."""
    if metrics.shape != metrics.reference_shape:
        return [f"{label}: shape {metrics.shape} differs from the reference's {metrics.reference_shape}"]
    failures = []
    if metrics.reference_nonfinite_count:
        count = metrics.reference_nonfinite_count
        failures.append(f"{label}: the reference has {count} NaN/Inf values; it cannot serve as a reference")
    if metrics.nan_count or metrics.inf_count:
        failures.append(f"{label}: {metrics.nan_count} NaN and {metrics.inf_count} Inf values in the output")
    return failures


def _judge_elements(
    metrics: OutputMetrics, preset: Preset, label: str, floor: float
) -> tuple[Decision, list[str], list[str]]:
    """An output without a role: element metrics on its own scale; near zero, the precision's floor.

    A reference whose peak is below what the precision tells from zero (fp16: 6e-8) passes when
    the candidate is as close to it as that; all-zero output fails only against a reference that
    is not zero on that scale.
    """
    peak = metrics.reference_peak
    if peak is not None and 0 < peak <= floor and metrics.max_abs <= floor:
        text = (
            f"{label}: reference peak {peak:.3g} is below what {metrics_precision(preset)} tells from zero "
            f"({floor:.3g}); max absolute error {metrics.max_abs:.3g} -> pass"
        )
        return Decision(label, "elements", "max absolute error near zero", "pass", text,
                        {"reference_peak": peak, "floor": floor, "max_abs": metrics.max_abs}), [], []
    failures, warnings = _judge(metrics, preset, label)
    if metrics.all_zero and not metrics.reference_all_zero:
        shown = f"peaks at {peak:.3g}" if peak is not None else "is not all zero"
        failures.insert(0, f"{label}: all-zero output (the reference {shown})")
    verdict = "fail" if failures else "warn" if warnings else "pass"
    summary = (f"cosine {metrics.cosine:.6f}, SNR {metrics.snr_db:.1f} dB, worst error "
               f"{metrics.max_abs_rel:.2%} of the reference's peak")
    deciding = (failures or warnings or [f"{label}: {summary}"])[0]
    metric = deciding.split(": ", 1)[1].split(" ", 1)[0] if failures or warnings else "element metrics"
    decision = Decision(
        label,
        "elements",
        metric,
        verdict,
        f"{deciding} -> {verdict}",
        {"cosine": metrics.cosine, "snr_db": metrics.snr_db, "max_abs_rel": metrics.max_abs_rel},
    )
    return decision, failures, warnings


def metrics_precision(preset: Preset) -> str:
    """The precision a preset is named after (a user's preset keeps the word 'precision')."""
    return preset.name if preset.name in PRECISIONS else "this precision"


def _judge(metrics: OutputMetrics, preset: Preset, label: str) -> tuple[list[str], list[str]]:
    """(fail lines, warn lines) of the preset's element checks for one output."""
    failures: list[str] = []
    warnings: list[str] = []
    for key, (limit_field, metric, lower_bound, _) in _CHECKS.items():
        value = getattr(metrics, metric)
        if value is None or math.isnan(value):
            continue
        fail_limit, warn_limit = getattr(preset.fail, limit_field), getattr(preset.warn, limit_field)
        if _misses(value, fail_limit, lower_bound):
            source = "your tolerance" if key in preset.overrides else f"{preset.name} preset"
            failures.append(_violation(label, key, value, fail_limit, lower_bound, source))
        elif _misses(value, warn_limit, lower_bound):
            warnings.append(
                _violation(label, key, value, warn_limit, lower_bound, f"{preset.name} preset, warn")
            )
    return failures, warnings


def _misses(value: float, limit: float | None, lower_bound: bool) -> bool:
    if limit is None:
        return False
    return value < limit if lower_bound else value > limit


def _violation(label: str, key: str, value: float, limit: float, lower_bound: bool, source: str) -> str:
    shown_value, shown_limit = _distinct(value, limit)
    return f"{label}: {key} {shown_value} {'<' if lower_bound else '>'} {shown_limit} ({source})"


def _distinct(value: float, limit: float) -> tuple[str, str]:
    """Both numbers with enough digits that the shown value is on the same side of the limit
    (0.97996 < 0.98, never 0.98 < 0.98)."""
    for digits in range(4, 17):
        shown = f"{value:.{digits}g}"
        if float(shown) != limit and (float(shown) < limit) == (value < limit):
            break
    return shown, f"{limit:.{digits}g}"


def precision_for(
    *, quantized_dtypes: Iterable[str], has_fp16_weights: bool, delegate: str, gpu_fp32: bool = False
) -> str:
    """The preset for a candidate run: "int8", else "fp16", else "fp32".

    "int8" when the candidate model has quantized tensors (``quantized_tensor_dtypes``: weights
    count too, because dynamic-range models quantize only weights and err like int8 ones);
    "fp16" when the delegate computes in fp16 (``FP16_DELEGATES`` unless ``gpu_fp32``) or the
    model stores float16 weights; "fp32" otherwise.
    """
    if QUANTIZED_DTYPES & set(quantized_dtypes):
        return "int8"
    if (delegate in FP16_DELEGATES and not gpu_fp32) or has_fp16_weights:
        return "fp16"
    return "fp32"


def quantized_tensor_dtypes(tensors: Iterable[TensorInfo]) -> set[str]:
    """Integer dtypes of the tensors (weights or activations) that carry quantization parameters."""
    return {
        t.dtype
        for t in tensors
        if t.dtype in QUANTIZED_DTYPES and is_quantized(t.quantization)
    }


def has_float16_constants(tensors: Iterable[TensorInfo]) -> bool:
    """True when the model stores float16 weights (an fp16-quantized model)."""
    return any(t.is_constant and t.dtype == "float16" for t in tensors)


def precision_for_model(model: Model, delegate: str, *, gpu_fp32: bool = False) -> str:
    """``precision_for`` with the facts read from every subgraph of ``model``."""
    tensors = [t for s in range(model.subgraph_count) for t in model.tensors(s)]
    return precision_for(
        quantized_dtypes=quantized_tensor_dtypes(tensors),
        has_fp16_weights=has_float16_constants(tensors),
        delegate=delegate,
        gpu_fp32=gpu_fp32,
    )
