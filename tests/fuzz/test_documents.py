"""Hostile result documents, sidecars, merge labels, host names and variant names.

``report`` and ``judge`` read documents other jobs uploaded: JSON nested past any depth, fields of
the wrong type, unknown kinds, forged or missing sidecars. Labels, host names and variant names
reach the HTML page and the Markdown: every page written must hold only the report's own
elements and carry its Content-Security-Policy.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.fuzz import forge
from tests.fuzz.harness import Case
from tests.fuzz.surfaces import REFUSED, Workspace, document_outputs, html_is_inert, run_surface

pytestmark = pytest.mark.slow


#: Documents that are odd but readable: markup in names (escaped in the page), many runs, a BOM,
#: a long string, NaN and infinities (JSON's own extension, which edgekit writes for an exact SNR).
READABLE = ("environment-hostname-markup", "run-delegate-markup", "warnings-markup", "runs-10000", "bom",
            "string-10mb", "duplicate-keys", "nan-literal", "infinity-literal", "number-1e400")


def _document_texts(base: dict) -> dict[str, str]:
    """Result documents by what is wrong with them, as JSON text."""

    def changed(**fields: object) -> str:
        return json.dumps({**base, **fields})

    first_run = base["runs"][0]
    texts = {
        "kind-list": changed(kind=["bench"]),
        "kind-number": changed(kind=5),
        "kind-null": changed(kind=None),
        "kind-empty": changed(kind=""),
        "kind-convert": changed(kind="convert"),
        "kind-merged": changed(kind="merged"),
        "kind-gate": changed(kind="gate"),
        "kind-profile": changed(kind="profile"),
        "kind-bisect": changed(kind="bisect"),
        "kind-long-markup": changed(kind="<script>" * 10_000),
        "schema-true": changed(schema_version=True),
        "schema-string": changed(schema_version="3"),
        "schema-float": changed(schema_version=3.0),
        "schema-negative": changed(schema_version=-1),
        "schema-1e308": changed(schema_version=1e308),
        "schema-99": changed(schema_version=99),
        "schema-2-pow-70": changed(schema_version=2**70),
        "environment-null": changed(environment=None),
        "environment-list": changed(environment=[]),
        "environment-hostname-number": changed(environment={**base["environment"], "hostname": 5}),
        "environment-hostname-markup": changed(environment={**base["environment"],
                                                            "hostname": forge.HOSTILE_NAMES[0]}),
        "model-null": changed(model=None),
        "model-inputs-string": changed(model={**base["model"], "inputs": "x"}),
        "runs-object": changed(runs={}),
        "runs-int": changed(runs=[7]),
        "runs-null-entry": changed(runs=[None]),
        "run-status-number": changed(runs=[{**first_run, "status": 5}]),
        "run-latency-string": changed(runs=[{**first_run, "latency_ms": "fast"}]),
        "run-delegate-markup": changed(runs=[{**first_run, "delegate": forge.HOSTILE_NAMES[1]}]),
        "runs-10000": changed(runs=[first_run] * 10_000),
        "settings-null": changed(settings=None),
        "warnings-markup": changed(warnings=forge.HOSTILE_NAMES),
        "warnings-object": changed(warnings={"a": 1}),
        "arrays-file-dotdot": changed(arrays_file="../canary/secret.bin"),
        "arrays-file-absolute": changed(arrays_file="/etc/passwd"),
        "arrays-file-empty": changed(arrays_file=""),
        "arrays-file-subfolder": changed(arrays_file="sub/x.arrays.npz"),
        "arrays-file-number": changed(arrays_file=5),
        "arrays-file-nul": changed(arrays_file="base.arrays.npz\x00"),
        "arrays-file-dev-zero": changed(arrays_file="/dev/zero"),
        "nan-literal": changed(runs=[{**first_run, "init_ms": float("nan")}]),
        "infinity-literal": changed(runs=[{**first_run, "init_ms": float("inf")}]),
        "number-1e400": json.dumps(base).replace('"init_ms": ', '"init_ms": 1e400, "x": ', 1),
        "huge-integer": json.dumps(base).replace('"init_ms": ', '"init_ms": 1' + "0" * 5000 + ', "x": ', 1),
        "duplicate-keys": json.dumps(base)[:-1] + ', "kind": "convert"}',
        "arrays-100k-deep": changed(extra=None).replace("null", forge.deep(100_000), 1),
        "objects-100k-deep": changed(extra=None).replace("null", forge.deep(100_000, '{"a":', "}", "1"), 1),
        "arrays-129-deep": changed(extra=None).replace("null", forge.deep(129), 1),
        "top-level-array": json.dumps([base]),
        "top-level-string": json.dumps("bench"),
        "empty": "",
        "truncated": json.dumps(base)[:100],
        "bom": "\ufeff" + json.dumps(base),
        "string-10mb": changed(extra="x" * 10_000_000),
    }
    return texts


def _document_cases(workspace: Workspace, documents: Path) -> list[Case]:
    base = json.loads((documents / "base.json").read_text())
    sidecar = (documents / "base.arrays.npz").read_bytes()
    out = documents / "out"
    out.mkdir()
    cases = []

    def commands(label: str, document: str, isolated: bool = False,
                 expect: tuple[int, ...] = REFUSED) -> None:
        html, md = out / f"{document}.html", out / f"{document}.md"
        cases.append(Case(f"document/{label}", ["report", document, "--html", str(html), "--md", str(md)],
                          outputs=(html, md), cwd=documents, isolated=isolated, expect=expect,
                          check=html_is_inert(html)))
        cases.append(Case(f"document/{label}/judge", ["judge", document], cwd=documents, isolated=isolated,
                          expect=expect))

    for label, text in _document_texts(base).items():
        name = workspace.name(label)
        (documents / f"{name}.json").write_text(text, encoding="utf-8")
        (documents / f"{name}.arrays.npz").write_bytes(sidecar)
        fine = label in READABLE
        commands(label, f"{name}.json", isolated=label.endswith("deep"),
                 expect=(0, 1, 2) if fine else REFUSED)
    (documents / "bad.json").write_bytes(b'{"kind": "bench", "x": "\xff\xfe"}')
    commands("invalid-utf8", "bad.json")
    forge.sparse_file(documents / "sparse.json", 300 << 20)
    commands("sparse-300mb", "sparse.json")
    forge.fifo(documents / "fifo.json")
    commands("fifo", "fifo.json", isolated=True)
    (documents / "folder.json").mkdir()
    commands("folder", "folder.json")
    commands("dev-zero", "/dev/zero", isolated=True)

    members = {}
    with np.load(documents / "base.arrays.npz") as archive:
        members = {key: forge.npy(archive[key]) for key in archive.files}
    latency_key = next(key for key in members if key.endswith("samples/latency_ms"))
    samples = np.load(documents / "base.arrays.npz")[latency_key]

    def sidecar_case(label: str, write: Callable[[Path], object], isolated: bool = False,
                     expect: tuple[int, ...] = REFUSED) -> None:
        name = workspace.name(f"sidecar-{label}")
        document = {**base, "arrays_file": f"{name}.arrays.npz"}
        (documents / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
        write(documents / f"{name}.arrays.npz")
        commands(f"sidecar/{label}", f"{name}.json", isolated=isolated, expect=expect)

    for label, data in forge.forged_npz_members().items():
        honest = label in ("float128-dtype", "big-endian-fortran")  # odd but true arrays of numbers
        sidecar_case(label, lambda path, data=data: forge.write_npz(path, {**members, latency_key: data}),
                     isolated=True, expect=(0, 2) if honest else REFUSED)
    for label, values in (("inf", np.inf), ("1e308", 1e308), ("nan", np.nan), ("negative", -1.0)):
        sidecar_case(f"latency-{label}", lambda path, values=values: forge.write_npz(
            path, {**members, latency_key: forge.npy(np.full_like(samples, values))}))
    sidecar_case("latency-float128", lambda path: forge.write_npz(
        path, {**members, latency_key: forge.npy(samples.astype(np.longdouble))}), expect=(0,))
    sidecar_case("latency-2d", lambda path: forge.write_npz(
        path, {**members, latency_key: forge.npy(samples.reshape(1, -1))}), expect=(0, 2))
    sidecar_case("latency-strings", lambda path: forge.write_npz(
        path, {**members, latency_key: forge.npy(np.array(["1"] * samples.size))}))
    sidecar_case("missing", lambda path: None, expect=(0, 1, 2))
    sidecar_case("not-a-zip", lambda path: path.write_text("x"))
    sidecar_case("folder", lambda path: path.mkdir())
    sidecar_case("fifo", forge.fifo, isolated=True)
    sidecar_case("link-out", lambda path: path.symlink_to(workspace.secret))
    return cases


def test_result_documents(workspace, documents, monkeypatch):
    run_surface("result documents", _document_cases(workspace, documents), workspace, monkeypatch,
                 minimum=80)




def _label_cases(workspace: Workspace, documents: Path) -> list[Case]:
    folder = documents / "labels"
    folder.mkdir()
    base = json.loads((documents / "base.json").read_text())
    def copy(name: str, **changes: object) -> Path:
        """The base document as FOLDER/NAME.json with CHANGES, its sidecar beside it."""
        shutil.copyfile(documents / "base.arrays.npz", folder / f"{name}.arrays.npz")
        path = folder / f"{name}.json"
        document = {**base, "arrays_file": f"{name}.arrays.npz", **changes}
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    copy("a")
    copy("b")
    cases = []

    def merge_then_report(label: str, argv: list[str], merged: Path) -> None:
        html, md = merged.with_suffix(".html"), merged.with_suffix(".md")
        cases.append(Case(f"merge/{label}", [*argv, "-o", str(merged)], outputs=document_outputs(merged),
                          cwd=folder, expect=(0,)))
        report = ["report", str(merged), "--html", str(html), "--md", str(md)]
        cases.append(Case(f"merge/{label}/report", report, outputs=(html, md), cwd=folder, expect=(0,),
                          check=html_is_inert(html)))

    for index, name in enumerate(forge.HOSTILE_NAMES):
        merged = folder / f"labels-{index}.json"
        merge_then_report(f"label-{index}", ["report", "merge", "a.json", "b.json", f"--label={name}",
                                             f"--label={name}2"], merged)
    for index, name in enumerate(forge.HOSTILE_NAMES[:8]):
        host = copy(f"host-{index}", environment={**base["environment"], "hostname": name})
        merge_then_report(f"hostname-{index}", ["report", "merge", "a.json", host.name],
                          folder / f"hosts-{index}.json")
    copy("other", model={**base["model"], "sha256": "0" * 64})
    forge.fifo(folder / "out.fifo")
    cases += [
        Case("merge/three-labels-two-documents", ["report", "merge", "a.json", "b.json", "--label", "x",
                                                  "--label", "y", "--label", "z", "-o", "m1.json"],
             outputs=document_outputs(folder / "m1.json"), cwd=folder, expect=REFUSED),
        Case("merge/one-label-two-documents",
             ["report", "merge", "a.json", "b.json", "--label", "x", "-o", "m2.json"],
             outputs=document_outputs(folder / "m2.json"), cwd=folder, expect=(0, 2)),
        Case("merge/duplicate-labels",
             ["report", "merge", "a.json", "b.json", "--label", "x", "--label", "x", "-o", "m3.json"],
             outputs=document_outputs(folder / "m3.json"), cwd=folder, expect=(0, 2)),
        Case("merge/other-model", ["report", "merge", "a.json", "other.json", "-o", "m4.json"],
             outputs=document_outputs(folder / "m4.json"), cwd=folder, expect=REFUSED),
        Case("merge/nothing", ["report", "merge", "-o", "m5.json"],
             outputs=document_outputs(folder / "m5.json"), cwd=folder, expect=REFUSED),
        Case("merge/output-folder", ["report", "merge", "a.json", "b.json", "-o", str(workspace.canary)],
             cwd=folder, expect=REFUSED),
        Case("merge/output-fifo", ["report", "merge", "a.json", "b.json", "-o", "out.fifo"], cwd=folder,
             isolated=True, expect=REFUSED),
        Case("merge/output-proc", ["report", "merge", "a.json", "b.json", "-o", "/proc/x.json"], cwd=folder,
             expect=REFUSED),
        Case("merge/output-missing-folder", ["report", "merge", "a.json", "b.json", "-o", "no/m.json"],
             cwd=folder, expect=REFUSED),
        Case("merge/label-without-merge", ["report", "a.json", "--label", "x"], cwd=folder, expect=REFUSED),
        Case("report/html-to-folder", ["report", "a.json", "--html", str(workspace.canary)], cwd=folder,
             expect=REFUSED),
        Case("report/md-to-fifo", ["report", "a.json", "--md", "out.fifo"], cwd=folder, isolated=True,
             expect=REFUSED),
    ]
    return cases


def _variant_cases(workspace: Workspace, documents: Path) -> list[Case]:
    from edgekit.convert.result import ConvertResult, VariantResult
    from edgekit.results.bench_result import BenchResult

    folder = documents / "variants"
    folder.mkdir()
    loaded = BenchResult.load(documents / "base.json")
    cases = []
    # Variant names key the sidecar's arrays: one that cannot be a zip member name (a lone
    # surrogate) cannot be saved at all, so it cannot reach a report either.
    hostile = [name for name in forge.HOSTILE_NAMES if name.isascii() or "\udcff" not in name]
    for index in range(0, len(hostile), 3):
        names = hostile[index:index + 3]
        convert = ConvertResult(
            environment=loaded.environment, source={"path": names[0]}, out=names[-1], calibration=None,
            reference="cpu-ref", settings={"note": names[-1]},
            variants=[VariantResult(variant=name, status="ok", size_bytes=1000 * (i + 1), bench=loaded)
                      for i, name in enumerate(names)],
        )
        document = convert.save(folder / f"convert-{index}.json")
        html, md = document.with_suffix(".html"), document.with_suffix(".md")
        report = ["report", str(document), "--html", str(html), "--md", str(md)]
        cases.append(Case(f"variants/{index}", report, outputs=(html, md), cwd=folder, expect=(0,),
                          check=html_is_inert(html)))
    return cases


def test_labels_host_names_and_variant_names(workspace, documents, monkeypatch):
    cases = [*_label_cases(workspace, documents), *_variant_cases(workspace, documents)]
    run_surface("labels, host names, variant names", cases, workspace, monkeypatch, minimum=40)


