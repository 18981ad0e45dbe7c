"""Rendering: sandboxed, strict, *.jinja only, later layers win, markers caught."""

from __future__ import annotations

import shutil

import pytest

from edgekit.errors import EdgekitError
from edgekit.scaffold.render import android_string, kotlin_string, leftover_markers, render_tree


def test_only_jinja_files_render_and_later_roots_win(tmp_path):
    common, own, out = tmp_path / "common", tmp_path / "own", tmp_path / "out"
    (common / "src").mkdir(parents=True)
    (own / "src").mkdir(parents=True)
    (common / "src" / "a.ts.jinja").write_text("export const N = {{ n | json }};\n", encoding="utf-8")
    (common / "raw.ts").write_text("const t = `{{ not rendered }}`;\n", encoding="utf-8")
    (common / "b.txt.jinja").write_text("common\n", encoding="utf-8")
    (own / "b.txt.jinja").write_text("own {{ name }}\n", encoding="utf-8")
    rendered = render_tree([common, own], {"n": [1, 2], "name": "pose"}, out)
    assert (out / "src" / "a.ts").read_text() == "export const N = [1, 2];\n"
    assert (out / "raw.ts").read_text() == "const t = `{{ not rendered }}`;\n"  # copied verbatim
    assert (out / "b.txt").read_text() == "own pose\n"
    assert not list(out.rglob("*.jinja")) and len(rendered) == 3


def test_missing_context_value_is_an_error_not_an_empty_string(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "x.jinja").write_text("{{ missing.value }}", encoding="utf-8")
    with pytest.raises(EdgekitError, match="x.jinja failed to render: 'missing' is undefined"):
        render_tree([tmp_path / "t"], {}, tmp_path / "out")


def test_sandbox_blocks_attribute_escapes(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "x.jinja").write_text("{{ ''.__class__.__mro__ }}", encoding="utf-8")
    with pytest.raises(EdgekitError, match="failed to render"):
        render_tree([tmp_path / "t"], {}, tmp_path / "out")


def test_leftover_markers_are_found(tmp_path):
    good, bad = tmp_path / "good.kt", tmp_path / "bad.ts"
    good.write_text("val m = mapOf(1 to 2)\nfun f() { if (x) { y() }}\n", encoding="utf-8")
    bad.write_text("ok\nconst x = {{ binding.image }};\n", encoding="utf-8")
    assert leftover_markers([good, bad]) == ["bad.ts:2"]


# --- the escaping filters ------------------------------------------------------------------------

TRICKY = ['po"se$x.tflite', "Bob's \"pose\"", "back\\slash", "${danger}", "$", "tab\there\nnew line",
          " edges ", "a  b", "@string/not_a_ref", "?attr", "<b>&amp;</b>", "100% & 5%s", "émoji 😀",
          "bell\x07 zero-width\u200b", "\\u0041 stays text", ""]


@pytest.mark.parametrize("value", TRICKY)
def test_kotlin_string_is_a_literal_of_exactly_the_value(value):
    from edgekit.scaffold.validate_android_code import kotlin_string_value

    literal = kotlin_string(value)
    assert kotlin_string_value(literal) == value
    assert "\n" not in literal


def test_kotlin_string_escapes_by_hand():
    assert kotlin_string('po"se$x\\.tflite') == '"po\\"se\\$x\\\\.tflite"'
    assert kotlin_string("a\tb\x00") == '"a\\tb\\u0000"'


@pytest.mark.parametrize("value", TRICKY)
def test_android_string_reads_back_as_the_value(value):
    from xml.etree import ElementTree

    from edgekit.scaffold.validate_android_code import android_string_value

    element = ElementTree.fromstring(f"<string>{android_string(value)}</string>")
    assert android_string_value("".join(element.itertext())) == value


def test_android_string_escapes_by_hand():
    assert android_string("Bob's \"pose\"") == "Bob\\'s \\\"pose\\\""
    assert android_string("@x ?y") == "\\@x ?y"  # only a leading @ or ? would make a reference
    assert android_string(" a  b ") == "\\u0020a\\u0020\\u0020b\\u0020"
    assert android_string("<&>") == "&lt;&amp;&gt;"


def test_filters_refuse_what_is_not_text(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "x.kt.jinja").write_text("val n = {{ n | kotlin_string }}", encoding="utf-8")
    with pytest.raises(EdgekitError, match="kotlin_string takes text, not NoneType"):
        render_tree([tmp_path / "t"], {"n": None}, tmp_path / "out")


def test_android_string_resources_template_keeps_every_value(tmp_path):
    """strings.xml.jinja as shipped: a title, model name and package with quotes read back unchanged."""
    from xml.etree import ElementTree

    from edgekit.scaffold.render import templates_dir
    from edgekit.scaffold.validate_android_code import android_string_value, string_resource_problems

    values = "app/src/main/res/values"
    source = templates_dir() / "android/_common" / values / "strings.xml.jinja"
    (tmp_path / "t" / values).mkdir(parents=True)
    shutil.copyfile(source, tmp_path / "t" / values / "strings.xml.jinja")
    context = {"app": {"title": "Bob's \"pose\""}, "model": {"display_name": "@po\\se $x 's"},
               "runtime": {"package": " <litert> & co "}}
    render_tree([tmp_path / "t"], context, tmp_path / "out")
    resources = ElementTree.parse(tmp_path / "out" / values / "strings.xml").getroot()
    read = {s.get("name"): android_string_value("".join(s.itertext())) for s in resources.iter("string")}
    assert read["app_name"] == "Bob's \"pose\""
    assert read["model_info"] == "@po\\se $x 's ·  <litert> & co "
    assert string_resource_problems(tmp_path / "out") == []
