"""The ``report`` verb: ``edgekit report DOC... [--html F] [--md F]`` and ``edgekit report merge``.

Kept apart from :mod:`edgekit.cli.main` so that module stays one idea (the other verbs); like them,
each form parses, makes one library call and prints.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from edgekit.errors import EXIT_OK, UsageError

__all__ = ["add_report_command"]

_HELP = (
    "render result documents (bench, convert, merged, gate) as one self-contained HTML page and/or "
    "Markdown; `edgekit report merge A.json B.json -o merged.json` puts benches of one model from "
    "several machines side by side"
)


def add_report_command(commands: Any, epilog: str) -> None:
    """Register ``report`` (and its ``merge`` form) on the CLI's subcommands."""
    report = commands.add_parser("report", help="HTML and Markdown reports; merge results from many hosts",
                                 description=_HELP, epilog=epilog)
    report.add_argument("documents", nargs="+", metavar="RESULT.json",
                        help="documents to report; or `merge` followed by the documents to merge")
    report.add_argument("--html", metavar="FILE", help="write the HTML page here")
    report.add_argument("--md", metavar="FILE", help="write the Markdown summary here (else printed)")
    report.add_argument("-o", "--output", metavar="FILE", help="merge: the merged document to write")
    report.add_argument("--label", action="append", metavar="NAME",
                        help="merge: the host label of each document, in order (default: its host name)")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from edgekit.cli.commands import _output_file

    if args.documents[0] == "merge":
        return _merge(args, _output_file)
    if args.output or args.label:
        raise UsageError("--output" if args.output else "--label", "only applies to `edgekit report merge`")
    from edgekit.report.render import render_report

    html = _output_file(args.html, "--html") if args.html else None
    md = _output_file(args.md, "--md") if args.md else None
    report = render_report(args.documents, html=html, md=md)
    if md is None:
        print(report.markdown, end="")
    for path in (report.html_path, report.markdown_path):
        if path is not None:
            print(f"report written to {path}", file=sys.stderr)
    return EXIT_OK


def _merge(args: argparse.Namespace, output_file: Any) -> int:
    from edgekit.report.merge import merge

    if not args.output:
        raise UsageError("--output", "give the merged document's path: "
                                     "edgekit report merge A.json B.json -o M.json")
    if args.html or args.md:
        raise UsageError("--html" if args.html else "--md", "render the merged document with a second "
                         "`edgekit report M.json --html ...`")
    target = output_file(args.output, "--output")
    merged = merge(args.documents[1:], labels=args.label)
    merged.save(target)
    hosts = ", ".join(source.host for source in merged.sources)
    print(f"merged {len(merged.sources)} documents ({hosts}) into {target}", file=sys.stderr)
    return EXIT_OK
