"""`convert`: every requested variant from one TensorFlow source, each benched on this host and
judged against the source executed in TensorFlow on the same inputs: the variant matrix."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence


from edgekit.convert.calibration import Calibration, load_calibration
from edgekit.convert.recipes import DEFAULT_VARIANTS, RECIPES, compile_edgetpu, convert_tflite, convert_tfjs
from edgekit.convert.sources import TfSource, open_source, parse_input_shapes
from edgekit.errors import EdgekitError, UsageError
from edgekit.events import BenchListener
from edgekit.inputs import convert_inputs, generate_inputs
from edgekit.model import Model, TensorInfo

__all__ = ["convert", "ConvertResult", "VariantResult"]

SCHEMA_VERSION = 1


@dataclass
class VariantResult:
    variant: str
    status: str  # "ok" | "error" | "unavailable"
    reason: str = ""
    path: str | None = None
    size_bytes: int | None = None
    convert_seconds: float | None = None
    note: str = ""
    coverage: dict | None = None
    bench: Any = None  # edgekit.results.BenchResult

    @property
    def verdict(self) -> str | None:
        verdicts = [run.accuracy.verdict for run in (self.bench.runs if self.bench else []) if run.accuracy]
        for worst in ("fail", "warn", "pass"):
            if worst in verdicts:
                return worst
        return None

    def to_dict(self) -> dict:
        runs = self.bench.runs if self.bench else []
        judged = [run for run in runs if run.accuracy]
        return {
            "variant": self.variant,
            "description": RECIPES[self.variant].description,
            "status": self.status,
            "reason": self.reason,
            "path": self.path,
            "size_bytes": self.size_bytes,
            "convert_seconds": self.convert_seconds,
            "note": self.note,
            "coverage": self.coverage,
            "runs": [run.to_dict() for run in runs],
            "accuracy": {
                "verdict": self.verdict,
                "reference": judged[0].accuracy.reference if judged else None,
                "worst_cosine": min((o.cosine for r in judged for o in r.accuracy.outputs), default=None),
                "reasons": sorted({reason for run in judged for reason in run.accuracy.reasons}),
            },
        }


@dataclass
class ConvertResult:
    source: dict
    out: str
    calibration: dict | None
    reference: str
    settings: dict
    environment: dict
    variants: list[VariantResult] = field(default_factory=list)

    @property
    def failed_variants(self) -> list[VariantResult]:
        return [v for v in self.variants if v.status == "error" or (v.bench and v.bench.failed_runs)]

    def to_dict(self) -> dict:
        from edgekit import __version__

        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "convert",
            "edgekit_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "environment": self.environment,
            "source": self.source,
            "out": self.out,
            "calibration": self.calibration,
            "reference": self.reference,
            "settings": self.settings,
            "variants": [variant.to_dict() for variant in self.variants],
        }


def convert(
    source: str | os.PathLike,
    *,
    out: str | os.PathLike,
    variants: Sequence[str] = DEFAULT_VARIANTS,
    calibration: str | os.PathLike | None = None,
    calibration_range: tuple[float, float] = (-1.0, 1.0),
    signature: str | None = None,
    input_shapes: Sequence[str] | dict | None = None,
    delegates: Sequence[str] = ("cpu",),
    threads: Sequence[int] = (1,),
    runs: int = 20,
    min_seconds: float = 0.5,
    max_seconds: float = 10.0,
    seed: int = 0,
    tolerance: str | None = None,
    force: bool = False,
    listeners: Sequence[BenchListener] = (),
) -> ConvertResult:
    """Convert SOURCE into each variant under OUT, then bench and judge every one of them."""
    chosen = _variants(variants)
    out = _prepare_out(Path(out), force)
    say = lambda message: [listener.on_message(message) for listener in listeners]  # noqa: E731
    shapes = input_shapes if isinstance(input_shapes, dict) else parse_input_shapes(list(input_shapes or []))
    tf_source = open_source(source, signature=signature, input_shapes=shapes, log=say)
    calib = None
    if any(RECIPES[name].needs_calibration for name in chosen):
        calib = load_calibration(calibration, tf_source.inputs, value_range=calibration_range,
                                 encode_text=_text_encoder(tf_source), seed=seed + 1000)
        if calib.warning:
            say(calib.warning)
    real_inputs = generate_inputs(_tensor_infos(tf_source), seed)
    say(f"running the source in TensorFlow {tf_source.tensorflow_version} for reference outputs")
    expected = tf_source.run(real_inputs)
    reference_label = f"the source ({tf_source.kind}) executed in TensorFlow {tf_source.tensorflow_version}"

    staging = out.with_name(f".{out.name}.edgekit-partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    results = []
    for name in chosen:
        say(f"variant {name}: converting")
        results.append(_make_variant(name, tf_source, calib, staging, out, real_inputs, expected, reference_label,
                                     dict(delegates=delegates, threads=threads, runs=runs, min_seconds=min_seconds,
                                          max_seconds=max_seconds, tolerance=tolerance, listeners=listeners)))
    _publish(staging, out)
    for variant in results:
        if variant.bench is not None:  # benched in the staging directory; record where the file lives now
            variant.bench.model["path"] = variant.path
    from edgekit.environment import environment_fingerprint

    return ConvertResult(
        source=tf_source.to_dict(),
        out=str(out),
        calibration=calib.to_dict() if calib else None,
        reference=reference_label,
        settings={"variants": chosen, "delegates": list(delegates), "threads": list(threads), "seed": seed,
                  "tolerance": tolerance, "calibration_range": list(calibration_range)},
        environment=environment_fingerprint(list(threads)),
        variants=results,
    )


def _make_variant(name, source: TfSource, calib: Calibration | None, staging: Path, out: Path,
                  real_inputs, expected, reference_label: str, bench_options: dict) -> VariantResult:
    recipe = RECIPES[name]
    start = time.perf_counter()
    try:
        if name == "tfjs":
            model_json = convert_tfjs(source, staging / "tfjs")
            return VariantResult(name, "ok", path=str(out / "tfjs" / model_json.name), size_bytes=_size(staging / "tfjs"),
                                 convert_seconds=time.perf_counter() - start,
                                 note="TF.js graph model: benched in a browser, not on this host")
        base = "int8-full" if name == "edgetpu" else name
        path = staging / f"{base}.tflite"
        if not path.exists():
            convert_tflite(source, RECIPES[base] if name == "edgetpu" else recipe, calib, path)
    except EdgekitError as exc:
        return VariantResult(name, "unavailable", str(exc), convert_seconds=time.perf_counter() - start)
    except Exception as exc:  # the converter's own errors: this variant fails, the others go on
        return VariantResult(name, "error", f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}",
                             convert_seconds=time.perf_counter() - start)
    seconds = time.perf_counter() - start
    model = Model.open(path)
    note, coverage = "", None
    if name == "edgetpu":
        note, coverage, path = _edgetpu(model, path, staging)
    final = out / path.name
    result = VariantResult(name, "ok", path=str(final), size_bytes=path.stat().st_size, convert_seconds=seconds,
                           note=note, coverage=coverage)
    result.bench = _bench_variant(path, model, real_inputs, expected, reference_label, bench_options)
    return result


def _edgetpu(model: Model, path: Path, staging: Path) -> tuple[str, dict, Path]:
    from edgekit import delegates

    coverage = delegates.get("edgetpu").coverage(model)
    compiled, log = compile_edgetpu(path, staging)
    if compiled is None:
        return f"{log}; this is the int8-full model it would compile. Static coverage: {coverage.summary()}", \
            coverage.to_dict(), path
    return f"compiled by edgetpu_compiler. {log.strip().splitlines()[-1] if log.strip() else ''}", coverage.to_dict(), compiled


def _bench_variant(path: Path, model: Model, real_inputs, expected, reference_label: str, options: dict):
    """Bench on this host with the source's real inputs carried through the variant's quantization."""
    from edgekit.bench import bench

    signature = model.signatures[0] if model.signatures else None
    by_signature = {key: tensor.name for key, tensor in signature.inputs.items()} if signature else {}
    source_tensors = [
        TensorInfo(i, by_signature.get(key, key), value.shape, value.shape, str(value.dtype), None)
        for i, (key, value) in enumerate(sorted(real_inputs.items()))
    ]
    arrays = {by_signature.get(key, key): value for key, value in real_inputs.items()}
    inputs = convert_inputs(arrays, source_tensors, model.inputs)
    outputs = {key: tensor.name for key, tensor in signature.outputs.items()} if signature else {}
    expected_by_tensor = {outputs.get(key, key): value for key, value in expected.items()}
    return bench(path, inputs=inputs, expected=expected_by_tensor, expected_label=reference_label, **options)


def _tensor_infos(source: TfSource) -> list[TensorInfo]:
    return list(source.inputs)


def _text_encoder(source: TfSource):
    vocab = source.extra_files.get("vocab.txt")
    if vocab is None:
        return None
    from edgekit.convert import minilm

    tokenizer = minilm.WordPieceTokenizer.from_vocab(vocab)
    seq_len = source.inputs[0].shape[-1]
    return lambda text: tokenizer.encode(text, seq_len)


def _variants(names: Sequence[str]) -> list[str]:
    names = [n.strip() for n in ([names] if isinstance(names, str) else names) if n.strip()]
    if names == ["all"]:
        return list(RECIPES)
    unknown = [n for n in names if n not in RECIPES]
    if unknown or not names:
        raise UsageError("--variants", f"unknown variant {', '.join(map(repr, unknown)) or '(none given)'}; "
                                       f"choose from: {', '.join(RECIPES)}, or all")
    return list(dict.fromkeys(names))


def _prepare_out(out: Path, force: bool) -> Path:
    if out.exists() and not out.is_dir():
        raise UsageError("--out", f"{out} exists and is a file; give a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UsageError("--out", f"{out} exists and is not empty; pass --force to replace it, or choose another directory")
    if not out.parent.exists():
        raise UsageError("--out", f"the parent directory {out.parent} does not exist")
    return out


def _publish(staging: Path, out: Path) -> None:
    """Move the finished variants into OUT; an old OUT (with --force) goes only once they are ready."""
    if out.exists():
        old = out.with_name(f".{out.name}.edgekit-old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
