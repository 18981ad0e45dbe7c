"""The CLI's command handlers: each turns parsed arguments into one library call and prints."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgekit.cli.signals import interrupted_exit
from edgekit.errors import EXIT_CHECK_FAILED, EXIT_OK, UsageError
from edgekit.system.native_log import native_log_hidden

if TYPE_CHECKING:
    from edgekit.bench.events import BenchListener
    from edgekit.results.document import ResultDocument


def _scaffold(args: argparse.Namespace) -> int:
    from edgekit.api import scaffold, scaffold_apps

    if args.list:
        from edgekit.zoo import serving

        apps = scaffold_apps()
        width = max(len(app.name) for app in apps)
        for app in apps:
            served = serving(app.name)
            print(f"{app.name.ljust(width)}  needs: {app.task.needs}")
            print(f"{'':{width}}  zoo models: {', '.join(served) if served else 'none; ' + app.task.bring}")
        return EXIT_OK
    missing = [
        flag
        for flag, value in (("--app", args.app), ("--model", args.model), ("--out", args.out))
        if not value
    ]
    if missing:
        raise UsageError(
            missing[0],
            f"is required (with {', '.join(f for f in ('--app', '--model', '--out'))}); "
            "see edgekit scaffold --list",
        )
    from edgekit.scaffold.binding import BindOptions, parse_keypoints, parse_normalize

    if args.max_answer_len < 1:
        raise UsageError("--max-answer-len", "must be at least 1")
    vocab = Path(args.vocab) if args.vocab else None
    if vocab is not None:
        from edgekit.files.preflight import special_file_kind

        kind = special_file_kind(vocab, folders=True)  # by type: a FIFO is not "missing", nor opened
        if kind or not vocab.exists():
            raise UsageError("--vocab", f"{vocab} is {kind}; pass the vocab.txt file" if kind
                             else f"no such file: {vocab}")
    options = BindOptions(
        normalize=parse_normalize(args.normalize) if args.normalize else None,
        keypoints=parse_keypoints(args.keypoints) if args.keypoints else None,
        output=args.output, vocab=vocab, max_answer_len=args.max_answer_len,
    )
    from edgekit.report.progress import ActivityLog
    from edgekit.scaffold.validate_android import KotlinParserMissing

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", KotlinParserMissing)
        with native_log_hidden(show=args.verbose), ActivityLog() as log:
            result = scaffold(args.app, args.model, args.out, options=options, force=args.force, log=log)
    for warning in caught:  # one plain line for edgekit's own; others as Python shows them
        if issubclass(warning.category, KotlinParserMissing):
            print(f"edgekit: warning: {warning.message}", file=sys.stderr)
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(f"{result.app}: {result.model} ({result.runtime}) -> {result.out}")
        for role, value in result.binding.items():
            tensor = value.get("tensor") or value.get("ids") or value.get("start") or {}
            print(f"  {role}: {tensor.get('key', '')} {tensor.get('dtype', '')} {tensor.get('shape', '')}")
    return EXIT_OK


def _inspect(args: argparse.Namespace) -> int:
    from edgekit.api import inspect

    model = inspect(args.model, log=_log)
    if args.json:
        print(json.dumps(model.to_dict(), indent=2))
    else:
        from edgekit.report.inspect_text import format_inspection

        print(format_inspection(model))
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    from edgekit.bench.run import bench
    from edgekit.report.console import ProgressPrinter, format_bench_table

    json_path = _output_file(args.json, "--json") if args.json else None
    progress = None if args.quiet else ProgressPrinter(loop=(args.runs, args.min_seconds, args.max_seconds))
    try:
        result = _bench_call(args, bench, progress)
    finally:
        if progress is not None:
            progress.close()
    print(format_bench_table(result))
    _save_document(result, json_path, "\nresult")
    if result.interrupted:  # the finished runs are printed and saved; the exit still says interrupted
        print("edgekit: interrupted; the finished runs are kept, the others are marked interrupted",
              file=sys.stderr)
        return interrupted_exit()
    if result.failed_runs or (args.fail_on_accuracy and result.inaccurate_runs):
        return EXIT_CHECK_FAILED
    return EXIT_OK


def _bench_call(args: argparse.Namespace, bench: Callable[..., Any], progress: BenchListener | None) -> Any:
    return bench(
        args.model,
        delegates=_split(args.delegate),
        threads=_int_list(args.threads, "--threads"),
        gpu_precision=_split(args.gpu_precision),
        warmup_runs=args.warmup,
        warmup_seconds=args.warmup_seconds,
        runs=args.runs,
        min_seconds=args.min_seconds,
        max_seconds=args.max_seconds,
        timeout=args.timeout,
        inputs=args.inputs,
        seed=args.seed,
        reference=args.reference,
        expected=args.expected,
        tolerance=args.tolerance,
        accuracy=not args.no_accuracy,
        reference_cache=not args.no_reference_cache,
        signature=args.signature,
        batch=args.batch,
        normalize=_normalize(args.normalize),
        output_roles=args.output_role,
        max_input_bytes=args.max_input_bytes,
        listeners=[progress] if progress else [],
    )


def _convert(args: argparse.Namespace) -> int:
    from edgekit.convert.matrix import convert
    from edgekit.report.console import ProgressPrinter
    from edgekit.report.convert_table import format_convert_table

    json_path = _output_file(args.json, "--json") if args.json else None
    low_high = _float_list(args.calibration_range, "--calibration-range")
    if len(low_high) != 2 or low_high[0] >= low_high[1]:
        raise UsageError("--calibration-range", f"{args.calibration_range!r} is not LOW,HIGH with LOW < HIGH")
    with native_log_hidden(show=args.verbose):
        progress = None if args.quiet else ProgressPrinter()  # made inside: it writes to Python's stderr
        try:
            result = _convert_call(args, convert, progress, low_high)
        finally:
            if progress is not None:
                progress.close()
    print(format_convert_table(result))
    _save_document(result, json_path, "\nresult")
    inaccurate = any(v.verdict == "fail" for v in result.variants)
    if result.failed_variants or (args.fail_on_accuracy and inaccurate):
        return EXIT_CHECK_FAILED
    return EXIT_OK


def _convert_call(args: argparse.Namespace, convert: Callable[..., Any], progress: BenchListener | None,
                  low_high: list[float]) -> Any:
    return convert(
        args.source,
        out=args.out,
        variants=_split(args.variants),
        calibration=args.calibration,
        calibration_range=(low_high[0], low_high[1]),
        signature=args.signature,
        normalize=_normalize(args.normalize),
        input_shapes=args.input_shape or [],
        delegates=_split(args.delegate),
        threads=_int_list(args.threads, "--threads"),
        runs=args.runs,
        seed=args.seed,
        tolerance=args.tolerance,
        tool_timeout=args.tool_timeout,
        force=args.force,
        listeners=[progress] if progress else [],
    )


def _judge(args: argparse.Namespace) -> int:
    from edgekit.bench.judge import judge
    from edgekit.report.console import format_judgement

    json_path = _output_file(args.json, "--json") if args.json else None
    result = judge(args.result, tolerance=args.tolerance, output_roles=args.output_role)
    print(format_judgement(result))
    _save_document(result, json_path, "\nre-judged document")
    return EXIT_CHECK_FAILED if result.inaccurate_runs else EXIT_OK


def _gate(args: argparse.Namespace) -> int:
    from edgekit.gate.run import gate, record
    from edgekit.report.gate_outputs import plan_outputs, write_outputs
    from edgekit.report.table import render_table

    log = None if args.quiet else _log
    if args.record:
        for path in record(args.config, only=args.only, log=log):
            print(f"golden outputs written to {path}")
        return EXIT_OK
    outputs = plan_outputs({"junit": args.junit, "markdown": args.markdown, "json": args.json,
                            "pytest_benchmark_json": args.pytest_benchmark_json})
    for warning in outputs.warnings:  # said before the work, so nobody waits for a summary
        print(f"edgekit: warning: {warning}", file=sys.stderr)
    result = gate(args.config, only=args.only, log=log)
    result.warnings.extend(outputs.warnings)
    rows = [[c.model, c.check, c.verdict, c.summary + (" (noisy)" if c.noisy else "")] for c in result.checks]
    print("\n".join(render_table(["model", "check", "verdict", "evidence"], rows)))
    for check in result.checks:
        if check.verdict in ("fail", "warn"):
            print(f"{check.model}: {check.line}")
    for warning in write_outputs(result, outputs):
        print(f"edgekit: warning: {warning}", file=sys.stderr)
    print(f"gate: {result.verdict} ({len(result.failed_checks)} of {len(result.checks)} checks failed)")
    return result.exit_code


def _normalize(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    values = _float_list(text, "--normalize")
    if len(values) != 2:
        raise UsageError("--normalize", f"{text!r} is not LOW,HIGH (e.g. 0,1 or -1,1)")
    return values[0], values[1]


def _float_list(text: str, option: str) -> list[float]:
    try:
        return [float(part) for part in _split(text)]
    except ValueError:
        raise UsageError(option, f"{text!r} is not a comma-separated list of numbers") from None


def _tools_install(args: argparse.Namespace) -> int:
    from edgekit.bench.options import check_seconds
    from edgekit.convert import tfjs_tools

    check_seconds("--timeout", args.timeout, positive=True)  # inf would reach subprocess as an overflow
    with _activity(args) as log:
        path = tfjs_tools.install(force=args.force, log=log, timeout_s=args.timeout)
    print(path)
    return EXIT_OK


def _delegates(args: argparse.Namespace) -> int:
    from edgekit.api import doctor

    statuses = doctor()
    if args.json:
        print(json.dumps([status.to_dict() for status in statuses], indent=2))
        return EXIT_OK
    from edgekit.report.table import render_table

    rows = []
    for status in statuses:
        rows += [[status.name, "runs here" if status.available else "not here", status.summary],
                 ["", "", status.reason]]
    print("\n".join(render_table(None, rows)))
    return EXIT_OK


def _zoo_list(args: argparse.Namespace) -> int:
    from edgekit.api import zoo_list

    entries = zoo_list()
    if args.json:
        print(json.dumps([entry.__dict__ for entry in entries], indent=2))
        return EXIT_OK
    from edgekit.report.table import render_table
    from edgekit.text.sizes import format_size
    from edgekit.zoo import cached_path

    rows = [[e.name, "cached" if cached_path(e.name) else "", format_size(e.size_bytes), e.description]
            for e in entries]
    print("\n".join(render_table(None, rows, right=[2])))
    return EXIT_OK


def _zoo_pull(args: argparse.Namespace) -> int:
    from edgekit.api import zoo_pull

    with _activity(args) as log:
        path = zoo_pull(args.name, force=args.force, log=log)
    print(path)
    return EXIT_OK


def _activity(args: argparse.Namespace) -> Any:
    """The progress of a zoo pull or tools install: a spinner on a terminal, lines elsewhere, or none."""
    from edgekit.report.progress import ActivityLog

    return contextlib.nullcontext(lambda _message: None) if args.quiet else ActivityLog()


def _log(message: str) -> None:
    print(message, file=sys.stderr)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _int_list(text: str, option: str) -> list[int]:
    """Comma-separated whole numbers; an empty one (``1,,2``, ``1,``) is refused, not dropped."""
    parts = text.split(",")
    if any(part.strip() for part in parts) and not all(part.strip() for part in parts):
        raise UsageError(option, f"{text!r} has an empty value between commas; use e.g. 1,2,4")
    values = []
    for part in _split(text):
        try:
            values.append(int(part))
        except ValueError:
            raise UsageError(option, f"{part!r} is not a whole number; use e.g. 1,2,4") from None
    if not values:
        raise UsageError(option, "give at least one value, e.g. 1,2,4")
    return values


def _save_document(document: ResultDocument, path: Path | None, what: str) -> None:
    """Write DOCUMENT to PATH when one was given, and say so on stderr."""
    if path is not None:
        document.save(path)
        print(f"{what} written to {path}", file=sys.stderr)


def _output_file(text: str, option: str) -> Path:
    from edgekit.files.preflight import check_output_file

    return check_output_file(text, option)

