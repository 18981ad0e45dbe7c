"""A gate check is one registry entry plus one function: a check of our own, registered, configured,
run through ``edgekit.gate`` and the CLI, refused for a bad value, and removed again."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import edgekit
from edgekit.errors import UsageError
from edgekit.gate import checks
from edgekit.gate import fields as f
from edgekit.gate.checks import CheckKind, CheckOptions, CheckSpec, OptionRefused, option
from edgekit.gate.context import ModelContext
from edgekit.gate.pytest_plugin import GateChecks
from edgekit.gate.result import CheckResult, GateResult
from tests.gate import ci_examples
from tests.gate.conftest import write_config


@dataclass(frozen=True, kw_only=True)
class MaxOutputs(CheckOptions):
    count: int = option(f.positive_int)
    #: Only to show a check refusing two values that are each valid but not together.
    warn_at: int | None = option(f.positive_int, None)

    def __post_init__(self) -> None:
        if self.warn_at is not None and self.warn_at > self.count:
            reason = f"{self.warn_at} is above count ({self.count}); warn before failing"
            raise OptionRefused("warn_at", reason)


def check_max_outputs(context: ModelContext, check: CheckSpec[MaxOutputs]) -> CheckResult:
    """The candidate has at most ``count`` outputs."""
    found, limit = len(context.candidate.outputs), check.options.count
    verdict = "pass" if found <= limit else "fail"
    return CheckResult(context.spec.name, check.name, check.kind, verdict,
                       f"{check.name} {verdict}: {found} outputs, at most {limit}", f"{found} outputs",
                       {"outputs": found, "count": limit})


MAX_OUTPUTS = CheckKind("max_outputs", MaxOutputs, check_max_outputs)

CONFIG = """
[models.pose]
model = "pose.tflite"

[models.pose.checks]
size = {{ max_bytes = 5000000 }}
max_outputs = {{ {options} }}
"""


@pytest.fixture
def max_outputs():
    checks.register(MAX_OUTPUTS)
    try:
        yield MAX_OUTPUTS
    finally:
        if checks.find(MAX_OUTPUTS.name) is not None:
            checks.unregister(MAX_OUTPUTS.name)


def test_a_registered_check_runs_from_a_config(project, max_outputs):
    result = edgekit.gate(write_config(project, CONFIG.format(options="count = 5")))
    assert [(c.check, c.kind, c.verdict) for c in result.checks] == [
        ("size", "size", "pass"), ("max outputs", "max_outputs", "pass")]
    assert result.checks[1].evidence == {"outputs": 5, "count": 5}


def test_its_failure_reaches_the_cli_exit_code_and_document(project, cli, max_outputs):
    config = write_config(project, CONFIG.format(options="count = 4"))
    code, out, _ = cli("gate", "--config", str(config), "--quiet", "--json", "gate.json")
    assert code == 1
    assert "max outputs fail: 5 outputs, at most 4" in out
    assert GateResult.load(project / "gate.json").checks[1].verdict == "fail"


@pytest.mark.parametrize(
    ("options", "key", "words"),
    [
        ("count = 0", "models.pose.checks.max_outputs.count", "0 must be at least 1"),
        ('count = "5"', "models.pose.checks.max_outputs.count", "where a whole number is expected"),
        ("", "models.pose.checks.max_outputs.count", "is required"),
        ("count = 5, limit = 3", "models.pose.checks.max_outputs.limit", "valid keys here: count, warn_at"),
        ("count = 2, warn_at = 3", "models.pose.checks.max_outputs.warn_at", "3 is above count (2)"),
    ],
)
def test_a_bad_value_names_file_line_and_key(project, cli, max_outputs, options, key, words):
    config = write_config(project, CONFIG.format(options=options))
    code, out, err = cli("gate", "--config", str(config))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"{config}:6: {key}: " in err and words in err, err


def test_unregistering_removes_it(project, cli, max_outputs):
    config = write_config(project, CONFIG.format(options="count = 5"))
    assert cli("gate", "--config", str(config), "--quiet")[0] == 0
    assert checks.unregister("max_outputs") is MAX_OUTPUTS
    assert "max_outputs" not in checks.names()
    code, _, err = cli("gate", "--config", str(config))
    assert code == 2 and f"{config}:6: models.pose.checks.max_outputs: unknown check; valid checks: " in err
    assert "max_outputs" not in err.partition("valid checks: ")[2]


def test_the_edgekit_gate_fixture_runs_it_too(project, max_outputs):
    gate = GateChecks()
    try:
        (result,) = gate.check("max_outputs", "pose.tflite", count=5)
        assert result.verdict == "pass"
        refused = "edgekit_gate.check_max_outputs: count: 0 must be at least 1"
        with pytest.raises(pytest.fail.Exception, match=refused):
            gate.check("max_outputs", "pose.tflite", count=0)
    finally:
        gate.close()


def test_the_readme_example_registers_a_working_check(project, cli):
    (example,) = ci_examples.readme_blocks("python")
    try:
        exec(compile(example, "README.md", "exec"), {})  # noqa: S102 - the README's own example
        config = write_config(project, CONFIG.format(options="count = 4"))
        code, out, _ = cli("gate", "--config", str(config), "--quiet")
        assert code == 1 and "max outputs fail: 5 outputs" in out
    finally:
        checks.unregister("max_outputs")


def test_a_taken_name_and_an_unknown_one_are_refused(max_outputs):
    with pytest.raises(UsageError, match="'max_outputs' is already registered"):
        checks.register(MAX_OUTPUTS)
    with pytest.raises(UsageError, match="no check named 'nothing'"):
        checks.unregister("nothing")


def test_an_entry_declares_every_key_with_its_reader():
    @dataclass(frozen=True, kw_only=True)
    class Loose(CheckOptions):
        count: int = 3

    class Undecorated(CheckOptions):
        count: int = option(f.positive_int)

    with pytest.raises(TypeError, match="declare count with option"):
        CheckKind("loose", Loose, check_max_outputs)
    with pytest.raises(TypeError, match="must be a frozen dataclass subclassing CheckOptions"):
        CheckKind("undecorated", Undecorated, check_max_outputs)
    with pytest.raises(ValueError, match="lower-case TOML key"):
        CheckKind("Max-Outputs", MaxOutputs, check_max_outputs)
    with pytest.raises(ValueError, match="one_of names keys it does not have: total"):
        CheckKind("max_outputs", MaxOutputs, check_max_outputs, one_of=frozenset({"total"}))


def test_the_built_in_entries_hold_their_schema():
    assert checks.names()[:4] == ("size", "ops", "macs", "custom_ops") and checks.names()[-1] == "coverage"
    latency = {entry.key: (entry.default, entry.required) for entry in checks.entry("latency").schema}
    assert latency == {"max_slowdown": (0.05, False), "confidence": (0.99, False),
                       "max_seconds": (120.0, False), "min_rounds": (4, False), "confirm": (True, False),
                       "inconclusive": (None, False)}
    budget = {entry.key: entry.required for entry in checks.entry("latency_budget").schema}
    assert budget == {"p50_ms": True, "device_class": True, "runs": False}
    assert checks.entry("size").one_of == {"max_bytes", "max_growth"}
    assert checks.entry("coverage").per_delegate
    assert [kind for kind in checks.names() if checks.entry(kind).timed] == ["latency", "latency_budget"]
