"""`convert`: every requested variant from one TensorFlow source, each benched on this host and
judged against the source executed in TensorFlow on the same inputs: the variant matrix.

The inputs are realistic where the task is known (:mod:`edgekit.inputs.realistic`: drawn scenes and
photographs for an image source whose value range is known, sentences for a text source with a
vocabulary), else seeded random; every variant is judged on all of them, and its verdict names the
worst set.

Variants are made in a staging folder beside ``--out`` and published into it together; each is
then benched at its final path. Every step of one variant (conversion, Edge TPU compile, TF.js
conversion, bench) runs inside that variant's isolation: a variant that fails or times out is
recorded as such and the others are still written.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from edgekit.bench.events import BenchListener
from edgekit.bench.options import check_delegates, check_seconds, check_seed, check_threads
from edgekit.convert.calibration import Calibration, load_calibration
from edgekit.convert.recipes import DEFAULT_VARIANTS, RECIPES, convert_tfjs, convert_tflite
from edgekit.convert.result import ConvertResult, VariantResult
from edgekit.errors import DelegateUnavailable, EdgekitError, ToolMissing, ToolTimeout, UsageError
from edgekit.files.atomic import publish_directory
from edgekit.files.preflight import check_output_dir
from edgekit.inputs.realistic import InputSets, realistic_inputs
from edgekit.inputs.seeded import convert_inputs, generate_inputs
from edgekit.model.model import Model, TensorInfo
from edgekit.results.bench_result import BenchResult
from edgekit.sources.tf_source import TfSource, open_source, parse_input_shapes
from edgekit.system.tools import TOOL_TIMEOUT_S
from edgekit.zoo import catalog_entry

__all__ = ["convert", "ConvertResult", "VariantResult"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class _Made:
    """A variant written to the staging folder, not yet published or benched."""

    variant: str
    relative: Path  # under the staging folder, and under --out once published
    size_bytes: int
    convert_seconds: float
    note: str = ""
    coverage: dict[str, Any] | None = None
    #: The .tflite to bench on this host; None for forms that do not run here (TF.js).
    benched: bool = True


def convert(
    source: str | os.PathLike,
    *,
    out: str | os.PathLike,
    variants: Sequence[str] = DEFAULT_VARIANTS,
    calibration: str | os.PathLike | None = None,
    calibration_range: tuple[float, float] = (-1.0, 1.0),
    signature: str | None = None,
    normalize: tuple[float, float] | None = None,
    input_shapes: Sequence[str] | dict | None = None,
    delegates: Sequence[str] = ("cpu",),
    threads: Sequence[int] = (1,),
    runs: int = 20,
    min_seconds: float = 0.5,
    max_seconds: float = 10.0,
    seed: int = 0,
    tolerance: str | None = None,
    tool_timeout: float = TOOL_TIMEOUT_S,
    force: bool = False,
    listeners: Sequence[BenchListener] = (),
) -> ConvertResult:
    """Convert SOURCE into each variant under OUT, then bench and judge every one of them.

    ``tool_timeout`` bounds each external tool (tfjs converters, edgetpu_compiler) in seconds; a
    variant whose tool runs past it ends as ``timeout``. NORMALIZE (low, high) is the value range of
    a float image input (default: the zoo catalog's for a catalog model): with it the reference runs
    on drawn scenes and photographs instead of random noise.
    """
    chosen = _variants(variants)
    check_seed(seed)
    check_seconds("tool_timeout", tool_timeout, positive=True)
    check_threads(threads)  # checked now, not after minutes of conversion
    check_delegates(delegates)
    if normalize is not None and not float(normalize[0]) < float(normalize[1]):
        raise UsageError("normalize", f"{normalize[0]:g},{normalize[1]:g}: LOW must be below HIGH")
    out = check_output_dir(_prepare_out(Path(out), force), "out")

    def say(message: str) -> None:
        for listener in listeners:
            listener.on_message(message)

    shapes = input_shapes if isinstance(input_shapes, dict) else parse_input_shapes(list(input_shapes or []))
    opened = open_source(source, signature=signature, input_shapes=shapes, log=say)
    with opened as tf_source:
        calib = None
        if any(RECIPES[name].needs_calibration for name in chosen):
            calib = load_calibration(calibration, tf_source.inputs, value_range=calibration_range,
                                     encode_text=_text_encoder(tf_source), seed=seed + 1000)
            if calib.warning:
                say(calib.warning)
        real_sets = _reference_sets(tf_source, source, normalize, seed)
        say(f"running the source in TensorFlow {tf_source.tensorflow_version} for reference outputs on "
            f"{real_sets.description}")
        expected = [tf_source.run(arrays) for arrays in real_sets.sets]
        reference_label = (f"the source ({tf_source.kind}) executed in TensorFlow "
                           f"{tf_source.tensorflow_version}")
        source_record = tf_source.to_dict()
        made = _make_all(chosen, tf_source, calib, out, tool_timeout, say)
    bench_options = dict(delegates=delegates, threads=threads, runs=runs, min_seconds=min_seconds,
                         max_seconds=max_seconds, tolerance=tolerance, listeners=listeners)

    def bench_at(path: Path) -> BenchResult:
        return _bench_variant(path, real_sets, expected, reference_label, bench_options)

    results = [item if isinstance(item, VariantResult) else _benched(item, out, bench_at, say)
               for item in made]
    from edgekit.system.environment import environment_fingerprint

    return ConvertResult(
        source=source_record,
        out=str(out),
        calibration=calib.to_dict() if calib else None,
        reference=reference_label,
        settings={"variants": chosen, "delegates": list(delegates), "threads": list(threads), "seed": seed,
                  "tolerance": tolerance, "calibration_range": list(calibration_range),
                  "tool_timeout": tool_timeout, "normalize": list(normalize) if normalize else None,
                  "inputs": real_sets.to_dict()},
        environment=environment_fingerprint(list(threads)),
        variants=results,
    )


def _make_all(chosen: list[str], source: TfSource, calib: Calibration | None, out: Path, tool_timeout: float,
              say: Callable[[str], Any]) -> list[_Made | VariantResult]:
    """Make every variant in a staging folder beside OUT, then publish it as OUT in one move."""
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.partial-"))
    try:
        made: list[_Made | VariantResult] = []
        for name in chosen:
            say(f"variant {name}: converting")
            made.append(_isolated(name, functools.partial(_make, name, source, calib, staging, tool_timeout)))
        publish_directory(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return made


def _isolated(name: str, step: Callable[[], _T]) -> _T | VariantResult:
    """Run one variant's STEP; a failure or timeout becomes that variant's result, never the run's."""
    start = time.perf_counter()
    failure: tuple[str, str]
    try:
        return step()
    except ToolTimeout as exc:
        failure = ("timeout", _one_line(exc))
    except (ToolMissing, DelegateUnavailable) as exc:
        failure = ("unavailable", str(exc))
    except EdgekitError as exc:
        failure = ("error", str(exc))
    except Exception as exc:  # the converter's and runtime's own errors: this variant fails, the others go on
        failure = ("error", f"{type(exc).__name__}: {_one_line(exc)[:300]}")
    return VariantResult(name, failure[0], failure[1], description=RECIPES[name].description,
                         convert_seconds=time.perf_counter() - start)


def _make(name: str, source: TfSource, calib: Calibration | None, staging: Path,
          tool_timeout: float) -> _Made:
    """Write variant NAME into STAGING."""
    start = time.perf_counter()
    if name == "tfjs":
        convert_tfjs(source, staging / "tfjs", tool_timeout)
        return _Made(name, Path("tfjs") / "model.json", _size(staging / "tfjs"), time.perf_counter() - start,
                     note="TF.js graph model: benched in a browser, not on this host", benched=False)
    base = "int8-full" if name == "edgetpu" else name
    path = staging / f"{base}.tflite"
    if not path.exists():  # edgetpu starts from int8-full, which may have been made already
        convert_tflite(source, RECIPES[base], calib, path)
    if name != "edgetpu":
        return _Made(name, Path(path.name), path.stat().st_size, time.perf_counter() - start)
    return _edgetpu(path, staging, start, tool_timeout)


def _edgetpu(path: Path, staging: Path, start: float, tool_timeout: float) -> _Made:
    """Compile the int8-full model for the Edge TPU; without the compiler, keep it with static coverage."""
    from edgekit import delegates
    from edgekit.delegates.edgetpu import compile_with_edgetpu_compiler

    try:
        compiled = compile_with_edgetpu_compiler(path, staging, tool_timeout)
    except ToolMissing as exc:
        coverage = delegates.get("edgetpu").coverage(Model.open(path))
        note = f"{exc}; this is the int8-full model it would compile. Static coverage: {coverage.summary()}"
        return _Made("edgetpu", Path(path.name), path.stat().st_size, time.perf_counter() - start, note,
                     coverage.to_dict())
    last = compiled.log.strip().splitlines()[-1] if compiled.log.strip() else ""
    return _Made("edgetpu", Path(compiled.path.name), compiled.path.stat().st_size,
                 time.perf_counter() - start, f"compiled by edgetpu_compiler. {last}".strip(),
                 compiled.coverage.to_dict())


def _benched(made: _Made, out: Path, bench_at: Callable[[Path], BenchResult],
             say: Callable[[str], Any]) -> VariantResult:
    """The published variant, benched at its final path when it runs on this host."""
    final = out / made.relative
    bench: BenchResult | None = None
    if made.benched:
        say(f"variant {made.variant}: benching {final}")
        outcome = _isolated(made.variant, lambda: bench_at(final))
        if isinstance(outcome, VariantResult):  # the bench itself failed: keep the file, say why
            return VariantResult(made.variant, outcome.status, f"bench: {outcome.reason}",
                                 RECIPES[made.variant].description, str(final), made.size_bytes,
                                 made.convert_seconds, made.note, made.coverage)
        bench = outcome
    return VariantResult(made.variant, "ok", "", RECIPES[made.variant].description, str(final),
                         made.size_bytes, made.convert_seconds, made.note, made.coverage, bench)


def _reference_sets(source: TfSource, spec: str | os.PathLike, normalize: tuple[float, float] | None,
                    seed: int) -> InputSets:
    """Realistic input sets for SOURCE where its task is known (value range: NORMALIZE, else the
    zoo catalog's), else one seeded random set."""
    entry = catalog_entry(spec, source.path)
    value_range = normalize or (entry.value_range if entry is not None else None)
    vocab = source.extra_files.get("vocab.txt")
    sets = realistic_inputs(list(source.inputs), normalize=value_range, vocab=vocab)
    if sets is not None:
        return sets
    why = "the source's task is not known (see `normalize`)"
    return InputSets("random", f"seeded random inputs (seed {seed}; {why}): verdicts judged on random inputs",
                     (f"random (seed {seed})",), (generate_inputs(_tensor_infos(source), seed),))


def _bench_variant(path: Path, real_sets: InputSets, expected: list[dict], reference_label: str,
                   options: dict) -> BenchResult:
    """Bench on this host with the source's real inputs carried through the variant's quantization."""
    from edgekit.bench.run import bench

    model = Model.open(path)
    signature = model.signatures[0] if model.signatures else None
    by_signature = {key: tensor.name for key, tensor in signature.inputs.items()} if signature else {}
    first = real_sets.sets[0]
    source_tensors = [
        TensorInfo(i, by_signature.get(key, key), value.shape, value.shape, str(value.dtype), None)
        for i, (key, value) in enumerate(sorted(first.items()))
    ]
    carried = tuple(convert_inputs({by_signature.get(key, key): value for key, value in arrays.items()},
                                   source_tensors, model.inputs) for arrays in real_sets.sets)
    inputs = InputSets("given", f"the source's inputs: {real_sets.description}", real_sets.labels, carried)
    outputs = {key: tensor.name for key, tensor in signature.outputs.items()} if signature else {}
    expected_by_tensor = [{outputs.get(key, key): value for key, value in one.items()} for one in expected]
    return bench(path, inputs=inputs, expected=expected_by_tensor, expected_label=reference_label, **options)


def _tensor_infos(source: TfSource) -> list[TensorInfo]:
    return list(source.inputs)


def _text_encoder(source: TfSource):
    vocab = source.extra_files.get("vocab.txt")
    if vocab is None:
        return None
    from edgekit.inputs.wordpiece import WordPieceTokenizer

    tokenizer = WordPieceTokenizer.from_vocab(vocab)
    seq_len = source.inputs[0].shape[-1]
    return lambda text: tokenizer.encode(text, seq_len)


def _variants(names: Sequence[str]) -> list[str]:
    names = [n.strip() for n in ([names] if isinstance(names, str) else names) if n.strip()]
    if names == ["all"]:
        return list(RECIPES)
    unknown = [n for n in names if n not in RECIPES]
    if unknown or not names:
        raise UsageError("variants", f"unknown variant {', '.join(map(repr, unknown)) or '(none given)'}; "
                                       f"choose from: {', '.join(RECIPES)}, or all")
    return list(dict.fromkeys(names))


def _prepare_out(out: Path, force: bool) -> Path:
    if out.exists() and not out.is_dir():
        raise UsageError("out", f"{out} exists and is a file; give a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UsageError("out", f"{out} exists and is not empty; pass `force` to replace it, "
                                  "or choose another directory")
    if not out.parent.exists():
        raise UsageError("out", f"the parent directory {out.parent} does not exist")
    return out


def _size(path: Path) -> int:
    if not path.is_dir():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
