"""Command line: parse arguments, call one library function, print. Errors become exit codes here.

Exit codes: 0 success; 1 a run crashed, hung or failed, or (with --fail-on-accuracy) an accuracy
verdict was fail; 2 bad input or usage; 3 something this
machine lacks (npm, network, a runtime); 4 an internal error in edgekit; 130 interrupted.
"""

from __future__ import annotations

import argparse
import errno
import io
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from edgekit.cli.commands import (
    _bench,
    _convert,
    _delegates,
    _gate,
    _inspect,
    _judge,
    _scaffold,
    _tools_install,
    _zoo_list,
    _zoo_pull,
)
from edgekit.cli.signals import RECEIVED, hold_signals, interrupted_exit, raising_signals, received
from edgekit.errors import (
    EXIT_BAD_INPUT,
    EXIT_ENVIRONMENT,
    EXIT_INTERNAL,
    EXIT_OK,
    EdgekitError,
    UsageError,
)
from edgekit.text.escape.terminal import terminal_line
from edgekit.version import __version__

_EPILOG = (
    "exit codes: 0 ok, 1 a run crashed/timed out/failed (or, with --fail-on-accuracy, an accuracy verdict "
    "was fail), 2 bad input or usage, "
    "3 missing tool or failed fetch, 4 internal error, 130 interrupted"
)


#: Library parameter -> the flag that sets it, where the two differ beyond `_` and `--`.
_FLAGS = {
    "delegates": "--delegate",
    "gpu_precision": "--gpu-precision",
    "warmup_runs": "--warmup",
    "input_shapes": "--input-shape",
    "accuracy": "--no-accuracy",
    "reference_cache": "--no-reference-cache",
    "output_roles": "--output-role",
    "precision": "--precision",
    "max_segments": "--max-segments",
}
#: Every library parameter the CLI sets by a flag of the same name.
_SAME_NAME = {
    "app", "calibration", "calibration_range", "expected", "force", "inputs", "json", "keypoints",
    "max_answer_len", "max_seconds", "min_seconds", "model", "normalize", "out", "output", "reference",
    "runs", "seed", "signature", "threads", "timeout", "tolerance", "variants", "vocab", "warmup_seconds",
    "tool_timeout", "batch", "config", "only", "record", "max_input_bytes", "seconds", "sets",
    "delegate",
}
_PARAMETER = re.compile(r"`([a-z_]+)`")
_VERBOSE_HELP = "also show TensorFlow's and LiteRT's own log lines (hidden by default)"


def flag_for(parameter: str) -> str:
    """The flag that sets library parameter PARAMETER (``input_shapes`` -> ``--input-shape``)."""
    return _FLAGS.get(parameter) or "--" + parameter.replace("_", "-")


def in_cli_terms(error: EdgekitError) -> str:
    """ERROR's message with every library parameter it names shown as the CLI's flag."""
    def flag(match: re.Match[str]) -> str:
        name = match.group(1)
        return flag_for(name) if name in _FLAGS or name in _SAME_NAME else match.group(0)

    text = str(error)
    if isinstance(error, UsageError):  # the CLI's own checks already name the flag
        head = error.parameter if error.parameter.startswith("-") else flag_for(error.parameter)
        text = f"{head}: {error.reason}"
    return _PARAMETER.sub(flag, text)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `edgekit` command.

    Ctrl-C or SIGTERM at any moment, start-up included, ends as 130 / 143 with one line on stderr:
    while the parser is built the signal is only recorded, then it is raised into the command.
    """
    previous = hold_signals()
    if isinstance(sys.stdout, io.TextIOWrapper):
        # Tables name files and hosts from data; a lone surrogate there is shown as its escape
        # (stderr already does so) instead of failing the print.
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        parser = _parser()
        args = parser.parse_args(argv)
        if received():
            return _interrupted()
        if not getattr(args, "handler", None):
            parser.print_help()
            return EXIT_OK
        with raising_signals():
            code = _run(args)
        if received() and code not in (130, 143):  # the interrupt was absorbed on its way out
            return _interrupted()
        return code
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        RECEIVED.clear()


def _run(args: argparse.Namespace) -> int:
    """ARGS' handler, with every exception turned into one line on stderr and an exit code."""
    try:
        return args.handler(args)
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except Exception as exc:
        if received():  # an interrupt that surfaced as another error (inside an import, a wrapper)
            return _interrupted(exc)
        return _failed(exc)


def _interrupted(exc: BaseException | None = None) -> int:
    print("edgekit: interrupted", file=sys.stderr)
    return interrupted_exit(exc)


def _failed(exc: Exception) -> int:
    """The exit code of EXC, said in one line on stderr; never a traceback."""
    if isinstance(exc, EdgekitError):
        print(f"edgekit: error: {terminal_line(in_cli_terms(exc))}", file=sys.stderr)
        return exc.exit_code
    if isinstance(exc, MemoryError):
        print("edgekit: error: this machine ran out of memory; lower --max-input-bytes, --batch or the "
              "model's input sizes, or use a machine with more memory", file=sys.stderr)
        return EXIT_ENVIRONMENT
    if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
        # Only a path given to edgekit (an argument, or a name inside a data file) can be too long.
        name = str(exc.filename if exc.filename is not None else "")
        shown = f"{name[:60]!r}... ({len(os.fsencode(name)):,} bytes)" if len(name) > 60 else repr(name)
        print(f"edgekit: error: the file name {terminal_line(shown)} is too long for this system (at most "
              "4096 bytes a path and 255 a name); give a shorter one", file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(exc, BrokenPipeError):
        # The reader (`| head`) went away: not an error of ours. Silence the final flush too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    if os.environ.get("EDGEKIT_DEBUG"):  # the last line of defence: one line, never a traceback
        raise exc
    print(
        f"edgekit: internal error: {type(exc).__name__}: {terminal_line(exc)} "
        "(this is a bug; rerun with EDGEKIT_DEBUG=1 for the traceback and report it)",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


#: A number as Python's float() reads it (``1``, ``.5``, ``2.``, ``1e-3``, ``inf``): the checks
#: that follow refuse the non-finite ones with a reason, instead of argparse.
_NUMBER = r"(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|inf|infinity|nan)"
#: An option value that starts with a minus: a negative number or a list of numbers (``-1,1``).
_NEGATIVE_VALUE = re.compile(rf"^-{_NUMBER}(?:\s*,\s*[-+]?{_NUMBER})*$", re.IGNORECASE)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error said in one line like every other error (exit 2), and values
    that start with a minus taken as written: ``--normalize -1,1``, ``--jump-db -1e3``.

    argparse takes any word starting with ``-`` for an option unless it is a plain negative
    number, so ``--normalize -1,1`` failed with "expected one argument"; every parser here (the
    subcommands are made of this class too) knows number lists as values instead.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_VALUE

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"edgekit: error: {terminal_line(message)} (see {self.prog} --help)\n")


def _help_of(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """A handler for a command group given no subcommand: print the group's help."""

    def handler(args: argparse.Namespace) -> int:
        parser.print_help()
        return EXIT_OK

    return handler


def _parser() -> argparse.ArgumentParser:
    from edgekit.convert.tfjs_tools import INSTALL_TIMEOUT_S
    from edgekit.system.tools import TOOL_TIMEOUT_S  # light modules: --help stays instant

    parser = _Parser(
        prog="edgekit",
        description="Take a trained model to phones and browsers and prove it is fast and correct there.",
        epilog=_EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"edgekit {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    inspect = commands.add_parser(
        "inspect", help="show a model's signatures, tensors, ops and size", epilog=_EPILOG
    )
    inspect.add_argument(
        "model", metavar="MODEL", help=".tflite file, TF.js graph model (model.json) or zoo model name"
    )
    inspect.add_argument("--json", action="store_true", help="print JSON instead of text")
    inspect.set_defaults(handler=_inspect)

    bench = commands.add_parser(
        "bench", help="measure latency and memory per delegate on this host", epilog=_EPILOG
    )
    bench.add_argument("model", metavar="MODEL", help=".tflite file or zoo model name")
    bench.add_argument(
        "--delegate",
        default="cpu",
        help="comma-separated delegates, or all (default: cpu; e.g. cpu,cpu-ref,gpu; in headless Chromium: "
             "tflite-wasm, or tfjs-wasm,tfjs-webgl,tfjs-webgpu for a TF.js graph model; "
             "see `edgekit delegates`)",
    )
    bench.add_argument("--threads", default="1", help="comma-separated thread counts to sweep (default: 1)")
    bench.add_argument(
        "--gpu-precision", default="fp16", help="gpu arithmetic to sweep: fp16, fp32 or both (default: fp16)"
    )
    bench.add_argument("--runs", type=int, default=50, help="measure at least this many runs (default: 50)")
    bench.add_argument("--min-seconds", type=float, default=1.0, help="and at least this long (default: 1)")
    bench.add_argument(
        "--max-seconds", type=float, default=30.0, help="but stop after this long (default: 30)"
    )
    bench.add_argument("--warmup", type=int, default=1, help="warm-up runs before measuring (default: 1)")
    bench.add_argument(
        "--warmup-seconds", type=float, default=0.5, help="and warm up at least this long (default: 0.5)"
    )
    bench.add_argument(
        "--timeout", type=float, default=None, help="kill a run's worker after this many seconds"
    )
    bench.add_argument(
        "--inputs",
        metavar="FILE.npz",
        help="inputs keyed by input name, or 'random' (default: "
        "realistic scenes or sentences when the task is known, else seeded random)",
    )
    bench.add_argument(
        "--normalize",
        metavar="LOW,HIGH",
        help="value range a float image input expects (makes "
        "realistic image inputs possible for models outside the zoo)",
    )
    bench.add_argument(
        "--output-role",
        action="append",
        metavar="NAME=ROLE",
        help="how to judge an output: mask[:T], "
        "keypoints:KxS, points3d:KxS, probabilities, logits, embedding, span_logits (repeatable)",
    )
    bench.add_argument("--seed", type=int, default=0, help="seed for generated inputs (default: 0)")
    bench.add_argument(
        "--reference",
        metavar="MODEL",
        help="judge accuracy against this model (e.g. the float "
        "model of an int8 variant) on reference kernels; default: cpu-ref on the same file",
    )
    bench.add_argument(
        "--expected", metavar="FILE.npz", help="judge accuracy against these outputs, keyed by output name"
    )
    bench.add_argument(
        "--tolerance",
        metavar="K=V,...",
        help="override fail thresholds: cosine, snr_db, max_abs, "
        "max_abs_rel, rmse, top1 (e.g. cosine=0.995,max_abs=1e-3; KEY=none turns one off)",
    )
    bench.add_argument("--no-accuracy", action="store_true", help="skip the accuracy checks")
    bench.add_argument(
        "--no-reference-cache",
        action="store_true",
        help="run the reference every time; by default its outputs are cached per model, inputs and runtime",
    )
    bench.add_argument(
        "--fail-on-accuracy", action="store_true", help="exit 1 when any run's accuracy verdict is fail"
    )
    bench.add_argument(
        "--signature", metavar="NAME", help="the signature (entry point) to run (default: the first)"
    )
    bench.add_argument(
        "--batch",
        type=int,
        metavar="N",
        help="batch size for inputs with a dynamic batch dimension "
        "(default: the model's static size, usually 1)",
    )
    bench.add_argument(
        "--json", metavar="FILE", help="write the result document (and FILE's .arrays.npz sidecar)"
    )
    bench.add_argument(
        "--max-input-bytes",
        type=int,
        metavar="N",
        help="refuse inputs larger than N bytes in all (default: a quarter of free memory, at most 4 GiB)",
    )
    bench.add_argument("--quiet", action="store_true", help="no progress lines")
    bench.set_defaults(handler=_bench)

    judge = commands.add_parser("judge", help="recompute a saved bench's accuracy verdicts from its arrays",
                                epilog=_EPILOG)
    judge.add_argument("result", metavar="RESULT.json", help="a document written by bench --json")
    judge.add_argument(
        "--tolerance", metavar="K=V,...", help="override the presets' fail thresholds, as for bench"
    )
    judge.add_argument(
        "--output-role",
        action="append",
        metavar="NAME=ROLE",
        help="how to judge an output, as for bench (over the zoo catalog's roles)",
    )
    judge.add_argument("--json", metavar="FILE", help="write the re-judged document (and its arrays) here")
    judge.set_defaults(handler=_judge)

    convert = commands.add_parser(
        "convert", help="TensorFlow source -> deployable variants, each benched and judged", epilog=_EPILOG
    )
    convert.add_argument(
        "source", metavar="SOURCE", help="SavedModel directory, .keras/.h5 file, or zoo name (minilm-l6)"
    )
    convert.add_argument(
        "--out", required=True, metavar="DIR", help="directory for the variants (must be new or empty)"
    )
    convert.add_argument(
        "--variants",
        default="fp32,fp16,dynamic-int8,int8-full",
        help="fp32, fp16, dynamic-int8, int8, int8-full, edgetpu, tfjs, or all (default: %(default)s)",
    )
    convert.add_argument(
        "--calibration",
        metavar="DATA",
        help=".npz keyed by input name, a folder of images, or a "
        "text file of sentences (text models); default: random samples, with a warning",
    )
    convert.add_argument(
        "--calibration-range", default="-1,1", metavar="LOW,HIGH", help="image value range (default: -1,1)"
    )
    convert.add_argument(
        "--normalize",
        metavar="LOW,HIGH",
        help="value range a float image input expects: the reference then runs on drawn scenes and photos "
        "(default: the zoo catalog's, else seeded random inputs)",
    )
    convert.add_argument("--signature", help="SavedModel signature to convert (default: serving_default)")
    convert.add_argument(
        "--input-shape",
        action="append",
        metavar="NAME=D1,D2",
        help="fix an input's dynamic dims (repeatable)",
    )
    convert.add_argument(
        "--delegate", default="cpu", help="delegates to bench each variant on (default: cpu)"
    )
    convert.add_argument("--threads", default="1", help="thread counts (default: 1)")
    convert.add_argument("--runs", type=int, default=20, help="timed runs per variant (default: 20)")
    convert.add_argument(
        "--tolerance", metavar="K=V,...", help="override accuracy fail thresholds, as for bench"
    )
    convert.add_argument("--seed", type=int, default=0, help="seed of the generated inputs (default: 0)")
    convert.add_argument(
        "--tool-timeout",
        type=float,
        default=TOOL_TIMEOUT_S,
        metavar="S",
        help="stop an external tool (tfjs converters, edgetpu_compiler) after S seconds; its "
        "variant ends as timeout (default: %(default)g)",
    )
    convert.add_argument(
        "--force", action="store_true", help="replace a non-empty --out directory once all variants are made"
    )
    convert.add_argument(
        "--fail-on-accuracy", action="store_true", help="exit 1 when a variant's verdict is fail"
    )
    convert.add_argument("--json", metavar="FILE", help="write the variant matrix document")
    convert.add_argument("--quiet", action="store_true", help="no progress lines")
    convert.add_argument("--verbose", action="store_true", help=_VERBOSE_HELP)
    convert.set_defaults(handler=_convert)

    gate = commands.add_parser("gate", help="CI gates: size, ops, coverage, accuracy on golden outputs, "
                               "latency against a baseline", epilog=_EPILOG + "; gate: 1 a check failed")
    gate.add_argument("--config", metavar="FILE", help="edgekit.toml or pyproject.toml with [tool.edgekit] "
                      "(default: the one in the working directory)")
    gate.add_argument("--record", action="store_true", help="write the golden files of the accuracy checks "
                      "from the models as they are now, then stop")
    gate.add_argument("--only", action="append", metavar="MODEL",
                      help="gate only this model table (repeatable)")
    gate.add_argument("--junit", metavar="FILE", help="write JUnit XML, one testcase per check")
    gate.add_argument("--markdown", metavar="FILE", help="write the Markdown summary (also appended to "
                      "$GITHUB_STEP_SUMMARY when set)")
    gate.add_argument("--json", metavar="FILE", help="write the gate result document")
    gate.add_argument("--pytest-benchmark-json", metavar="FILE", help="write latency and instruction figures "
                      "in pytest-benchmark's JSON format")
    gate.add_argument("--quiet", action="store_true", help="no progress lines")
    gate.set_defaults(handler=_gate)

    tools = commands.add_parser("tools", help="helper tools edgekit keeps in environments of their own")
    tools_commands = tools.add_subparsers(title="tools commands", metavar="TOOLS_COMMAND")
    tools_install = tools_commands.add_parser(
        "install", help="install a tool set: tfjs (the TF.js converters)"
    )
    tools_install.add_argument("name", choices=["tfjs"], metavar="NAME", help="tfjs")
    tools_install.add_argument("--force", action="store_true", help="reinstall even when present")
    tools_install.add_argument("--quiet", action="store_true", help="no progress lines")
    tools_install.add_argument("--timeout", type=float, default=INSTALL_TIMEOUT_S, metavar="S",
                               help="stop a pip step after S seconds (default: %(default)g)")
    tools_install.set_defaults(handler=_tools_install)
    tools.set_defaults(handler=_help_of(tools))

    from edgekit.cli.report import add_report_command

    add_report_command(commands, _EPILOG)

    from edgekit.cli.explain import add_explain_commands

    add_explain_commands(commands, _EPILOG)

    doctor = commands.add_parser("delegates", help="which delegates can run on this machine, and why not")
    doctor.add_argument("--json", action="store_true", help="print JSON instead of text")
    doctor.set_defaults(handler=_delegates)

    zoo = commands.add_parser("zoo", help="real pretrained models by name")
    zoo_commands = zoo.add_subparsers(title="zoo commands", metavar="ZOO_COMMAND")
    zoo_list = zoo_commands.add_parser("list", help="list the models the zoo can fetch")
    zoo_list.add_argument("--json", action="store_true", help="print JSON instead of text")
    zoo_list.set_defaults(handler=_zoo_list)
    zoo_pull = zoo_commands.add_parser("pull", help="fetch a model into the local cache", epilog=_EPILOG)
    zoo_pull.add_argument("name", metavar="NAME")
    zoo_pull.add_argument("--force", action="store_true", help="fetch again even when cached")
    zoo_pull.add_argument("--quiet", action="store_true", help="no progress lines")
    zoo_pull.set_defaults(handler=_zoo_pull)
    zoo.set_defaults(handler=_help_of(zoo))

    scaffold = commands.add_parser(
        "scaffold", help="a starter app (web or Android) wired to your model's contract", epilog=_EPILOG
    )
    from edgekit.scaffold.apps import all_apps  # the task registry: help lists what is registered

    scaffold.add_argument("--app", metavar="APP", help=", ".join(app.name for app in all_apps()))
    scaffold.add_argument(
        "--model",
        metavar="MODEL",
        help=".tflite file, TF.js graph model (model.json or its folder), or zoo model name",
    )
    scaffold.add_argument("--out", metavar="DIR", help="project directory to create (must be new or empty)")
    scaffold.add_argument(
        "--list", action="store_true", help="list the apps and what each needs from a model"
    )
    scaffold.add_argument("--normalize", metavar="LOW,HIGH", help="value range a float image input expects "
                          "(e.g. 0,1 or -1,1) when the model does not say")
    scaffold.add_argument(
        "--keypoints",
        metavar="COUNTxVALUES",
        help="keypoint layout when the model does not say: "
        "17x3 (y, x, score) or 33x5 (x, y, z, visibility, presence)",
    )
    scaffold.add_argument("--output", metavar="NAME", help="the output tensor to bind when several fit")
    scaffold.add_argument(
        "--vocab", metavar="FILE", help="WordPiece vocab.txt for text models without one beside them"
    )
    scaffold.add_argument(
        "--max-answer-len", type=int, default=30, help="qa: longest answer in tokens (default: 30)"
    )
    scaffold.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty --out, overwriting the files edgekit generates (other files are kept)",
    )
    scaffold.add_argument("--json", action="store_true", help="print the binding as JSON")
    scaffold.add_argument("--verbose", action="store_true", help=_VERBOSE_HELP)
    scaffold.set_defaults(handler=_scaffold)
    return parser


if __name__ == "__main__":
    sys.exit(main())
