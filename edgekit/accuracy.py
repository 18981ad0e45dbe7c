"""Is a run still correct? Compare its outputs with reference outputs, output by output.

Pure numpy: per output it measures max / mean absolute error, RMSE, cosine similarity, SNR,
NaN/Inf counts, all-zero outputs and, for outputs shaped like class scores, top-1/top-5 agreement.
Quantized outputs are dequantized with each model's own scale and zero point first, so a float
model and its int8 variant are compared in real values.

Thresholds come in presets per precision (``PRESETS``): each has ``fail`` thresholds and stricter
``warn`` thresholds. An output fails when a metric misses its fail threshold, and warns when it
meets the fail threshold but misses the warn one. ``parse_tolerance("cosine=0.995")`` overrides
fail thresholds; warn thresholds are left as the preset has them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from edgekit.errors import UsageError
from edgekit.model import Quantization, TensorInfo

if TYPE_CHECKING:
    from edgekit.model import Model

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
    "precision_for",
    "precision_for_model",
    "quantized_tensor_dtypes",
]

PRECISIONS = ("fp32", "fp16", "int8")
VERDICTS = ("pass", "warn", "fail")
#: Delegates whose default arithmetic is fp16 (LiteRT's GPU accelerator unless told fp32).
FP16_DELEGATES = frozenset({"gpu"})
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
        return cls(**{f.name: _optional_float(data.get(f.name)) for f in fields(cls)})


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

#: --tolerance key -> (Tolerance field, OutputMetrics attribute, True for a lower bound, valid range)
_CHECKS: dict[str, tuple[str, str, bool, tuple[float, float]]] = {
    "cosine": ("cosine_min", "cosine", True, (-1.0, 1.0)),
    "snr_db": ("snr_db_min", "snr_db", True, (-math.inf, math.inf)),
    "max_abs": ("max_abs", "max_abs", False, (0.0, math.inf)),
    "max_abs_rel": ("max_abs_rel", "max_abs_rel", False, (0.0, math.inf)),
    "rmse": ("rmse", "rmse", False, (0.0, math.inf)),
    "top1": ("top1_min", "top1_agreement", True, (0.0, 1.0)),
}
_DISABLED = ("none", "off")


def parse_tolerance(text: str, base: Preset) -> Preset:
    """``base`` with the fail thresholds ``text`` sets, e.g. ``"cosine=0.995,max_abs=1e-3"``.

    ``KEY=none`` (or ``off``) turns a fail check off. Unknown keys, values that are not numbers
    or lie outside the key's range raise UsageError naming the problem and the valid keys.
    """
    valid = ", ".join(_CHECKS)
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise UsageError("--tolerance", f"no thresholds given; use KEY=VALUE pairs with keys: {valid}")
    changes: dict[str, float | None] = {}
    for item in items:
        key, equals, raw = (part.strip() for part in item.partition("="))
        if not equals:
            raise UsageError("--tolerance", f"{item!r} is not KEY=VALUE; e.g. 'cosine=0.995,max_abs=1e-3'")
        if key not in _CHECKS:
            raise UsageError("--tolerance", f"unknown key {key!r}; valid keys: {valid}")
        if key in changes:
            raise UsageError("--tolerance", f"{key!r} is given twice; give each key once")
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
        raise UsageError("--tolerance", f"{key}={raw!r} is not a number; e.g. {key}=0.01, or {key}=none to skip it")
    low, high = _CHECKS[key][3]
    if not low <= value <= high:
        raise UsageError("--tolerance", f"{key}={raw} is outside [{low:g}, {high:g}]")
    return value


@dataclass(frozen=True)
class OutputMetrics:
    """How one candidate output differs from its reference (both in real, dequantized values).

    ``max_abs_rel`` = ``max_abs`` / max |reference| (/ 1 when the reference is all zero).
    ``snr_db`` = 10 log10(sum ref^2 / sum (cand - ref)^2): inf when identical. ``cosine`` is 1.0
    when both are all zero and 0.0 when only one is. Error metrics use the elements that are finite
    in both; they are NaN when shapes differ. ``nan_count``/``inf_count`` count the candidate's.
    ``top1_agreement``/``top5_agreement``: see ``output_metrics``; None for other shapes.
    """

    name: str
    reference_name: str
    shape: tuple[int, ...]
    reference_shape: tuple[int, ...]
    max_abs: float
    max_abs_rel: float
    mean_abs: float
    rmse: float
    cosine: float
    snr_db: float
    nan_count: int
    inf_count: int
    reference_nonfinite_count: int
    all_zero: bool
    reference_all_zero: bool
    top1_agreement: float | None
    top5_agreement: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; NaN and infinities are written as the strings "nan", "inf", "-inf"."""
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            data[f.name] = list(value) if isinstance(value, tuple) else _json_float(value)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutputMetrics:
        """Inverse of ``to_dict``."""
        return cls(
            name=data["name"],
            reference_name=data["reference_name"],
            shape=tuple(data["shape"]),
            reference_shape=tuple(data["reference_shape"]),
            **{key: float(data[key]) for key in ("max_abs", "max_abs_rel", "mean_abs", "rmse", "cosine", "snr_db")},
            **{key: int(data[key]) for key in ("nan_count", "inf_count", "reference_nonfinite_count")},
            all_zero=bool(data["all_zero"]),
            reference_all_zero=bool(data["reference_all_zero"]),
            top1_agreement=_optional_float(data.get("top1_agreement")),
            top5_agreement=_optional_float(data.get("top5_agreement")),
        )


@dataclass(frozen=True)
class AccuracyReport:
    """The verdict on one candidate run against one reference, with every metric behind it."""

    reference: str
    precision: str
    tolerance: Preset
    outputs: tuple[OutputMetrics, ...]
    verdict: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "reference": self.reference,
            "precision": self.precision,
            "tolerance": self.tolerance.to_dict(),
            "outputs": [output.to_dict() for output in self.outputs],
            "verdict": self.verdict,
            "reasons": list(self.reasons),
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
        )


def dequantize(array: np.ndarray, quantization: Quantization | None) -> np.ndarray:
    """Real values of ``array`` as float64: ``scale * (q - zero_point)``, per axis when per-axis.

    Float arrays, non-quantized integers and tensors whose scales are all zero (written by some
    converters to mean "not quantized") are only cast. Raises ValueError on inconsistent parameters.
    """
    values = np.asarray(array)
    if quantization is None or not np.issubdtype(values.dtype, np.integer) or not any(quantization.scale):
        return values.astype(np.float64)
    scale = np.asarray(quantization.scale, dtype=np.float64)
    zero_point = np.asarray(quantization.zero_point or (0,), dtype=np.float64)
    if zero_point.size not in (1, scale.size):
        raise ValueError(f"{zero_point.size} zero points for {scale.size} scales")
    if scale.size > 1:
        axis = quantization.axis
        if axis is None or not -values.ndim <= axis < values.ndim or values.shape[axis] != scale.size:
            raise ValueError(f"{scale.size} per-axis scales on axis {axis} do not fit shape {values.shape}")
        along_axis = [1] * values.ndim
        along_axis[axis] = scale.size
        scale = scale.reshape(along_axis)
        zero_point = zero_point.reshape(along_axis) if zero_point.size > 1 else zero_point
    return (values.astype(np.float64) - zero_point) * scale


def output_metrics(
    candidate: np.ndarray, reference: np.ndarray, *, name: str = "output", reference_name: str | None = None
) -> OutputMetrics:
    """Every metric of one output pair (real values; dequantize first).

    Top-1/top-5 are measured when the output looks like class scores: ``[rows, classes]`` or
    ``[rows, 1, 1, classes]`` with classes >= 2 (>= 5 for top-5). top-1 is the fraction of rows
    whose argmax agrees; top-5 the fraction whose reference argmax is in the candidate's top five.
    """
    cand = np.asarray(candidate, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    nan_count = int(np.isnan(cand).sum())
    errors = _error_metrics(cand, ref) if cand.shape == ref.shape else dict.fromkeys(_ERROR_KEYS, math.nan)
    top1, top5 = _topk_agreement(cand, ref) if cand.shape == ref.shape else (None, None)
    return OutputMetrics(
        name=name,
        reference_name=name if reference_name is None else reference_name,
        shape=tuple(int(d) for d in cand.shape),
        reference_shape=tuple(int(d) for d in ref.shape),
        **errors,
        nan_count=nan_count,
        inf_count=int(np.isinf(cand).sum()),
        reference_nonfinite_count=int((~np.isfinite(ref)).sum()),
        all_zero=bool(np.all(cand == 0)),
        reference_all_zero=bool(np.all(ref == 0)),
        top1_agreement=top1,
        top5_agreement=top5,
    )


_ERROR_KEYS = ("max_abs", "max_abs_rel", "mean_abs", "rmse", "cosine", "snr_db")


def _error_metrics(cand: np.ndarray, ref: np.ndarray) -> dict[str, float]:
    finite = np.isfinite(cand) & np.isfinite(ref)
    c, r = cand[finite], ref[finite]
    if c.size == 0:
        return dict.fromkeys(_ERROR_KEYS, math.nan)
    diff = np.abs(c - r)
    max_abs = float(diff.max())
    peak = float(np.abs(r).max())
    error_energy = float(np.dot(diff, diff))
    signal_energy = float(np.dot(r, r))
    return {
        "max_abs": max_abs,
        "max_abs_rel": max_abs / peak if peak > 0 else max_abs,
        "mean_abs": float(diff.mean()),
        "rmse": math.sqrt(error_energy / c.size),
        "cosine": _cosine(c, r),
        "snr_db": _snr_db(signal_energy, error_energy),
    }


def _cosine(c: np.ndarray, r: np.ndarray) -> float:
    norm_c, norm_r = float(np.linalg.norm(c)), float(np.linalg.norm(r))
    if norm_c == 0 or norm_r == 0:
        return 1.0 if norm_c == norm_r else 0.0
    return float(np.clip(np.dot(c, r) / (norm_c * norm_r), -1.0, 1.0))


def _snr_db(signal_energy: float, error_energy: float) -> float:
    if error_energy == 0:
        return math.inf
    if signal_energy == 0:
        return -math.inf
    return 10.0 * math.log10(signal_energy / error_energy)


def _topk_agreement(cand: np.ndarray, ref: np.ndarray) -> tuple[float | None, float | None]:
    shape = cand.shape
    if len(shape) == 2:
        rows, classes = shape
    elif len(shape) == 4 and shape[1] == shape[2] == 1:
        rows, classes = shape[0], shape[3]
    else:
        return None, None
    if classes < 2 or rows == 0:
        return None, None
    c, r = cand.reshape(rows, classes), ref.reshape(rows, classes)
    ref_top1 = r.argmax(axis=1)
    top1 = float(np.mean(c.argmax(axis=1) == ref_top1))
    if classes < 5:
        return top1, None
    cand_top5 = np.argsort(-c, axis=1, kind="stable")[:, :5]
    top5 = float(np.mean(np.any(cand_top5 == ref_top1[:, None], axis=1)))
    return top1, top5


def compare_outputs(
    candidate: Mapping[str, np.ndarray],
    reference: Mapping[str, np.ndarray],
    *,
    candidate_tensors: Sequence[TensorInfo] = (),
    reference_tensors: Sequence[TensorInfo] = (),
    precision: str,
    tolerance: Preset | None = None,
    reference_label: str,
) -> AccuracyReport:
    """Judge ``candidate`` outputs (keyed by tensor name) against ``reference`` outputs.

    Each side is dequantized with its own model's ``TensorInfo.quantization`` (looked up by name;
    a name without TensorInfo is taken as real values, e.g. user-supplied expected outputs).
    Outputs are matched by name when both sides have the same names, else by position (in
    TensorInfo order, then array order); differing counts or shapes fail. ``tolerance`` defaults
    to ``PRESETS[precision]``.
    """
    if precision not in PRESETS:
        raise UsageError("precision", f"unknown precision {precision!r}; choose from: {', '.join(PRECISIONS)}")
    preset = tolerance if tolerance is not None else PRESETS[precision]
    cand = _ordered(candidate, candidate_tensors)
    ref = _ordered(reference, reference_tensors)
    pairs, failures = _match(cand, ref)
    warnings: list[str] = []
    measured: list[OutputMetrics] = []
    for (name, array, quantization), (ref_name, ref_array, ref_quantization) in pairs:
        label = name if name == ref_name else f"{name} (reference {ref_name})"
        try:
            real, ref_real = dequantize(array, quantization), dequantize(ref_array, ref_quantization)
        except (TypeError, ValueError) as exc:
            failures.append(f"{label}: cannot read as numbers: {exc}")
            continue
        metrics = output_metrics(real, ref_real, name=name, reference_name=ref_name)
        measured.append(metrics)
        output_failures, output_warnings = _judge(metrics, preset, label)
        failures += output_failures
        warnings += output_warnings
    verdict = "fail" if failures else "warn" if warnings else "pass"
    return AccuracyReport(
        reference=reference_label,
        precision=precision,
        tolerance=preset,
        outputs=tuple(measured),
        verdict=verdict,
        reasons=tuple(failures + warnings),
    )


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
    return list(zip(cand, ref)), []


def _judge(metrics: OutputMetrics, preset: Preset, label: str) -> tuple[list[str], list[str]]:
    """(fail lines, warn lines) for one output."""
    if metrics.shape != metrics.reference_shape:
        return [f"{label}: shape {metrics.shape} differs from the reference's {metrics.reference_shape}"], []
    failures: list[str] = []
    if metrics.reference_nonfinite_count:
        count = metrics.reference_nonfinite_count
        failures.append(f"{label}: the reference has {count} NaN/Inf values; it cannot serve as a reference")
    if metrics.nan_count or metrics.inf_count:
        failures.append(f"{label}: {metrics.nan_count} NaN and {metrics.inf_count} Inf values in the output")
    if metrics.all_zero and not metrics.reference_all_zero:
        failures.append(f"{label}: all-zero output (the reference is not all zero)")
    warnings: list[str] = []
    for key, (limit_field, metric, lower_bound, _) in _CHECKS.items():
        value = getattr(metrics, metric)
        if value is None or math.isnan(value):
            continue
        fail_limit, warn_limit = getattr(preset.fail, limit_field), getattr(preset.warn, limit_field)
        if _misses(value, fail_limit, lower_bound):
            source = "--tolerance" if key in preset.overrides else f"{preset.name} preset"
            failures.append(_violation(label, key, value, fail_limit, lower_bound, source))
        elif _misses(value, warn_limit, lower_bound):
            warnings.append(_violation(label, key, value, warn_limit, lower_bound, f"{preset.name} preset, warn"))
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
        if t.dtype in QUANTIZED_DTYPES and t.quantization is not None and any(t.quantization.scale)
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


def _json_float(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
