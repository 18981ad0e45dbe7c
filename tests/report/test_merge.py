"""edgekit.report.merge and `edgekit report merge`: hosts side by side; other models or schemas refused."""

from __future__ import annotations

import json

import pytest

from edgekit.cli.main import main
from edgekit.errors import MergeRefused
from edgekit.report.merge import MergedResult, merge
from edgekit.report.render import render_report
from tests.report.documents import as_if_measured_on, tiny_bench


@pytest.fixture(scope="module")
def two_hosts(tmp_path_factory):
    root = tmp_path_factory.mktemp("merge")
    here = tiny_bench(root, "here")
    there = as_if_measured_on(here, root / "there.json", hostname="ci-arm-runner",
                              cpu_model="Neoverse-N1", machine="aarch64", usable_cores=4)
    other_model = tiny_bench(root, "other", n_ops=3)
    return root, here, there, other_model


def test_merged_document_keeps_each_host_and_round_trips(two_hosts):
    root, here, there, _ = two_hosts
    merged = merge([here, there])
    hosts = [source.host for source in merged.sources]
    assert hosts[1] == "ci-arm-runner" and hosts[0] != hosts[1]
    assert [host for host, _ in merged.runs] == hosts
    loaded = MergedResult.load(merged.save(root / "merged.json"))
    assert [s.host for s in loaded.sources] == hosts
    assert loaded.sources[1].bench.environment["cpu_model"] == "Neoverse-N1"
    assert loaded.sources[0].bench.runs[0].latency == merged.sources[0].bench.runs[0].latency


def test_report_of_a_merge_shows_both_hosts_side_by_side(two_hosts, capsys):
    root, here, there, _ = two_hosts
    assert main(["report", "merge", str(here), str(there), "-o", str(root / "m.json")]) == 0
    assert main(["report", str(root / "m.json"), "--html", str(root / "m.html")]) == 0
    markdown = capsys.readouterr().out
    table = [line for line in markdown.splitlines() if line.startswith("| ") and "cpu x1" in line]
    assert len(table) == 2 and "ci-arm-runner" in table[1] and "ci-arm-runner" not in table[0]
    assert "Neoverse-N1" in markdown
    html = (root / "m.html").read_text()
    assert html.count('data-section="facts-ci-arm-runner"') == 1 and "ci-arm-runner | cpu x1" in html


def test_a_merge_of_different_models_is_refused_with_exit_2(two_hosts, capsys):
    root, here, _, other_model = two_hosts
    code = main(["report", "merge", str(here), str(other_model), "-o", str(root / "bad.json")])
    err = capsys.readouterr().err
    assert code == 2 and "different models" in err and len(err.strip().splitlines()) == 1
    assert not (root / "bad.json").exists()


def test_mixed_schema_versions_are_refused(two_hosts, tmp_path):
    _, here, _, _ = two_hosts
    document = json.loads(here.read_text())
    document["schema_version"] = 2
    document["arrays_file"] = "old.arrays.npz"
    old = tmp_path / "old.json"
    old.write_text(json.dumps(document))
    (tmp_path / "old.arrays.npz").write_bytes(here.with_name("here.arrays.npz").read_bytes())
    with pytest.raises(MergeRefused, match="mixed schema versions"):
        merge([here, old])


def test_labels_name_the_hosts_and_a_single_document_is_refused(two_hosts):
    _, here, there, _ = two_hosts
    assert [s.host for s in merge([here, there], labels=["pixel-8", "ci"]).sources] == ["pixel-8", "ci"]
    with pytest.raises(MergeRefused, match="at least two"):
        merge([here])


def test_the_library_renders_a_merge_without_files(two_hosts):
    _, here, there, _ = two_hosts
    report = render_report([merge([here, there])])
    assert 'data-plot="latency"' in report.html and "ci-arm-runner" in report.markdown
