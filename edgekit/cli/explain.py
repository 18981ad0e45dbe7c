"""The ``profile`` and ``bisect`` verbs: each parses, makes one call into :mod:`edgekit.explain`, prints.

Kept apart from :mod:`edgekit.cli.main` (like :mod:`edgekit.cli.report`) so that module stays one idea.
"""

from __future__ import annotations

import argparse
from typing import Any

from edgekit.errors import EXIT_CHECK_FAILED, EXIT_OK

__all__ = ["add_explain_commands"]

_BUDGET_HELP = "refuse a model whose inputs or any tensor exceed N bytes (default: as for bench)"
#: Run statuses that fail the command; `unavailable` and `unsupported` are reported, as in bench.
_FAILED = ("crashed", "timeout", "error")


def add_explain_commands(commands: Any, epilog: str) -> None:
    """Register ``profile`` and ``bisect`` on the CLI's subcommands."""
    profile = commands.add_parser(
        "profile",
        epilog=epilog,
        help="time per op (segments of ops) on each delegate, checked against the whole model; "
        "--baseline OLD diffs two models op by op",
    )
    profile.add_argument("model", help="a .tflite file or a zoo model name")
    profile.add_argument("--delegate", default="cpu", help="comma-separated delegates (default cpu)")
    profile.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    profile.add_argument("--gpu-precision", default="fp16", choices=("fp16", "fp32"), help="GPU arithmetic")
    profile.add_argument("--baseline", metavar="OLD.tflite", help="diff against this model")
    profile.add_argument(
        "--max-segments", type=int, default=24, help="most prefix sub-models per model (default 24; gpu: 4)"
    )
    profile.add_argument("--seconds", type=float, default=4.0, help="least time measuring rounds (default 4)")
    profile.add_argument("--top", type=int, default=10, help="rows of each table (default 10)")
    profile.add_argument("--max-input-bytes", type=int, metavar="N", help=_BUDGET_HELP)
    profile.add_argument("--json", metavar="FILE", help="write the profile document (and its arrays) here")
    profile.set_defaults(handler=_profile)

    bisect = commands.add_parser(
        "bisect",
        epilog=epilog,
        help="error of every op's output against a reference, and the first op whose error jumps",
    )
    bisect.add_argument("model", help="a .tflite file or a zoo model name")
    bisect.add_argument("--delegate", default="gpu", help="the candidate delegate (default gpu)")
    bisect.add_argument("--precision", default="fp16", choices=("fp16", "fp32"), help="GPU arithmetic")
    bisect.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    bisect.add_argument(
        "--reference",
        default="cpu-ref",
        help="a delegate on the same file (default cpu-ref) or a float .tflite",
    )
    bisect.add_argument(
        "--inputs", metavar="FILE.npz", help="inputs (default: realistic, else seeded random)"
    )
    bisect.add_argument("--seed", type=int, default=0, help="seed of random inputs")
    bisect.add_argument("--jump-db", type=float, default=15.0, help="SNR drop that counts as a jump (dB)")
    bisect.add_argument("--floor-db", type=float, default=10.0, help="SNR below which an op jumps (dB)")
    bisect.add_argument("--sets", type=int, default=2,
                        help="compare at most this many input sets (default 2; random inputs are one set)")
    bisect.add_argument("--max-input-bytes", type=int, metavar="N", help=_BUDGET_HELP)
    bisect.add_argument("--json", metavar="FILE", help="write the bisect document here")
    bisect.set_defaults(handler=_bisect)


def _profile(args: argparse.Namespace) -> int:
    from edgekit.bench.options import check_count
    from edgekit.cli.commands import _output_file, _save_document
    from edgekit.explain import profile
    from edgekit.report.explain_text import format_profile

    check_count("--top", args.top, "rows", minimum=0)  # -1 would slice off the last row, silently
    json_path = _output_file(args.json, "--json") if args.json else None
    result = profile(
        args.model,
        delegates=args.delegate.split(","),
        threads=args.threads,
        precision=args.gpu_precision,
        baseline=args.baseline,
        max_segments=args.max_segments,
        seconds=args.seconds,
        max_input_bytes=args.max_input_bytes,
    )
    print(format_profile(result, top=args.top), end="")
    _save_document(result, json_path, "profile document")
    failed = any(run.status in _FAILED or (run.status == "ok" and not run.passed) for run in result.runs)
    return EXIT_CHECK_FAILED if failed else EXIT_OK


def _bisect(args: argparse.Namespace) -> int:
    from edgekit.cli.commands import _output_file, _save_document
    from edgekit.explain import bisect
    from edgekit.report.explain_text import format_bisect

    json_path = _output_file(args.json, "--json") if args.json else None
    result = bisect(
        args.model,
        delegate=args.delegate,
        precision=args.precision,
        threads=args.threads,
        reference=args.reference,
        inputs=args.inputs,
        seed=args.seed,
        jump_db=args.jump_db,
        floor_db=args.floor_db,
        sets=args.sets,
        max_input_bytes=args.max_input_bytes,
    )
    print(format_bisect(result), end="")
    _save_document(result, json_path, "bisect document")
    return EXIT_CHECK_FAILED if result.culprit is not None else EXIT_OK
