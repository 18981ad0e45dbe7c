"""Everything edgekit generates as text stays inert, whatever names the data carries.

Data decides many names: merge labels, host names, convert variants, gate model names, model and
tensor names in scaffolded apps. Each case here feeds hostile ones through the real command or
library call and reads the output back with a real parser: the HTML report in html.parser and in
headless Chromium (which must see no dialog and no console error), the Markdown with markdown-it
(the CommonMark parser rich ships with), the JUnit XML with ElementTree, generated TypeScript with
the TypeScript compiler and node, Kotlin with tree-sitter. Each value must come back as itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from edgekit.cli.main import main
from edgekit.convert.result import ConvertResult, VariantResult
from edgekit.report.view import HEADLINE_COLUMNS
from edgekit.results.bench_result import BenchResult
from edgekit.text.escape.code import kotlin_string, ts_string, ts_template, ts_value
from edgekit.text.escape.html import CONTENT_SECURITY_POLICY
from edgekit.text.escape.markdown import markdown_code, markdown_text
from edgekit.text.escape.xml import xml_text
from tests.report.documents import as_if_measured_on, tiny_bench
from tests.security.typescript import check_typescript, install_typescript

#: Strings that would run, or add markup, if a sink took them raw.
HOSTILE = [
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "</title></style><script>alert(4)</script>",
    "--><script>alert(5)</script><!--",
    "a${globalThis.PWNED=1}b`",
    "line\nbreak\r| cell | [link](javascript:alert(6)) ![i](http://x/y.png) *em* _u_ `c` <b>&amp;",
    "ctrl\x01\x1b[2J\x7f bidi\u202e zero\u200b sep\u2028\u2029 end",
]


def _one_line(text: str) -> str:
    """What a one-line sink shows of TEXT: invisible characters and line breaks become spaces, collapsed."""
    import unicodedata

    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") or c.isspace() else c
                      for c in text)
    return " ".join(cleaned.split())


def _refused(capsys, *argv: object) -> str:
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("edgekit: error:") and "Traceback" not in err, err
    return lines[0]


# --- the escaping functions, read back by real parsers ------------------------------------------


def _inline_text(tokens) -> str:
    return "".join(t.content for t in tokens if t.type in ("text", "code_inline"))


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_text_reads_back_as_itself_in_a_paragraph_and_a_table_cell(value):
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    paragraph = parser.parse(f"before {markdown_text(value)} after")
    assert [t.type for t in paragraph] == ["paragraph_open", "inline", "paragraph_close"]
    inline = paragraph[1].children
    assert {t.type for t in inline} == {"text"}, [t.type for t in inline]
    assert _inline_text(inline) == f"before {_one_line(value)} after"

    table = parser.parse(f"| a | b |\n|---|---|\n| {markdown_text(value)} | {markdown_code(value, True)} |\n")
    cells = [t for t in table if t.type == "inline"][2:]
    assert len(cells) == 2
    assert _inline_text(cells[0].children) == _one_line(value)
    assert [t.type for t in cells[1].children] == ["code_inline"]
    assert cells[1].children[0].content == _one_line(value)


@pytest.mark.parametrize("value", HOSTILE)
def test_a_markdown_code_span_holds_any_backticks(value):
    tokens = MarkdownIt("commonmark").parseInline(f"x {markdown_code(value + '``' + value)} y")[0].children
    assert [t.type for t in tokens] == ["text", "code_inline", "text"]
    assert tokens[1].content == _one_line(value + "``" + value)


def test_xml_text_makes_every_character_parseable_and_shows_the_forbidden_ones():
    every_control = "".join(chr(c) for c in range(0x20)) + "\x7f\ufffe\uffff\ud800 é😀"
    suite = ET.Element("testcase", name=xml_text(every_control))
    suite.text = xml_text(every_control)
    parsed = ET.fromstring(ET.tostring(suite, encoding="utf-8"))
    assert parsed.text == xml_text(every_control).replace("\r", "\n")  # XML normalises CR in text
    assert parsed.get("name") == xml_text(every_control)
    assert "\\u0001" in parsed.text and "\\ud800" in parsed.text and "é😀" in parsed.text


@pytest.fixture(scope="session")
def typescript(tmp_path_factory) -> Path:
    return install_typescript(tmp_path_factory.mktemp("typescript"))


def test_typescript_literals_evaluate_to_exactly_the_value(typescript, tmp_path):
    values = [*HOSTILE, "back\\slash", "\\u0041", "${", "`", "\ud800 lone", "😀", "</script><!--", "*/ /*"]
    module = tmp_path / "literals.ts"
    module.write_text(
        "".join(f"export const s{i}: string = {ts_string(v)};\n"
                  f"export const t{i} = `{ts_template(v)}`;\n"
                  f"export const o{i} = {ts_value({'k': v, 'n': [1.5, float('nan')]})};\n"
                  for i, v in enumerate(values)), encoding="utf-8")
    report = check_typescript(typescript, tmp_path / "scratch", [module], evaluate=(module,))
    assert report[str(module)]["problems"] == [] and report["pwned"] is None
    exports = report[str(module)]["exports"]
    for i, value in enumerate(values):
        assert [exports[f"s{i}"], exports[f"t{i}"], exports[f"o{i}"]["k"]] == [value] * 3, value


def test_kotlin_strings_stay_literals():
    from edgekit.scaffold.validate_android_code import kotlin_string_value

    for value in HOSTILE:
        assert kotlin_string_value(kotlin_string(value)) == value


# --- reports: HTML and Markdown from hostile labels, host names and variant names --------------


@pytest.fixture(scope="module")
def hostile_documents(tmp_path_factory) -> dict[str, Path]:
    """A merge labelled with HOSTILE, a bench from a host named with one, a convert with hostile variants.

    The runs are real (a small model benched here); only the names a pull request could choose are
    written over: the merge's --label, the environment's hostname, the convert variants' names.
    """
    root = tmp_path_factory.mktemp("hostile-report")
    bench = tiny_bench(root, "bench")
    hosts = [as_if_measured_on(bench, root / f"host{i}.json", hostname=name)
             for i, name in enumerate(HOSTILE[:3])]
    labels = [f"--label={name}" for name in HOSTILE[3:6]]  # one starts with "-"
    assert main(["report", "merge", *map(str, hosts), "-o", str(root / "merged.json"), *labels]) == 0
    loaded = BenchResult.load(bench)
    convert = ConvertResult(
        environment=loaded.environment, source={"path": HOSTILE[6]}, out=str(root), calibration=None,
        reference="cpu-ref", settings={"note": HOSTILE[7]},
        variants=[VariantResult(variant=name, status="ok", size_bytes=1000 * (i + 1), bench=loaded)
                  for i, name in enumerate(HOSTILE[5:])],
    )
    return {"hosts": hosts[0], "merged": root / "merged.json", "convert": convert.save(root / "convert.json"),
            "root": root}


@pytest.fixture(scope="module")
def hostile_report(hostile_documents) -> dict[str, Path]:
    root = hostile_documents["root"]
    documents = [str(hostile_documents[name]) for name in ("hosts", "merged", "convert")]
    assert main(["report", *documents, "--html", str(root / "r.html"), "--md", str(root / "r.md")]) == 0
    return {"html": root / "r.html", "md": root / "r.md"}


class _Markup(HTMLParser):
    """Every element, attribute and text node of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse_html(text: str) -> _Markup:
    parser = _Markup()
    parser.feed(text)
    parser.close()
    return parser


#: What a report page is made of; nothing a document holds may add to it.
_REPORT_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "section", "p", "div",
                "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption", "svg", "g", "line",
                "rect", "circle", "text", "polyline"}


def test_html_report_holds_the_hostile_names_as_text_only(hostile_report):
    page = _parse_html(hostile_report["html"].read_text(encoding="utf-8"))
    assert {tag for tag, _ in page.tags} <= _REPORT_TAGS
    handlers = [(tag, name) for tag, attributes in page.tags for name in attributes if name.startswith("on")]
    assert handlers == []
    text = "".join(page.text)
    for name in HOSTILE:
        assert name.replace("\r", "\n") in text.replace("\r\n", "\n").replace("\r", "\n"), name
    sections = {str(attributes.get("data-section")).replace("\r", "\n")
                for tag, attributes in page.tags if tag == "table"}
    assert {f"facts-{name}".replace("\r", "\n") for name in HOSTILE[3:]} <= sections  # ids come back, inert
    csp = [attributes for tag, attributes in page.tags if tag == "meta" and attributes.get("http-equiv")]
    assert csp == [{"http-equiv": "Content-Security-Policy", "content": CONTENT_SECURITY_POLICY}]


def test_markdown_report_keeps_each_name_in_its_line_and_cell(hostile_report):
    text = hostile_report["md"].read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not kinds & {"html_block", "html_inline", "link_open", "image", "em_open", "s_open", "code_block"}
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert len(headings) == 4  # the page, then one per document
    rows = [line for line in text.splitlines() if line.startswith("|") and "---" not in line]
    cells = [re.split(r"(?<!\\)\|", row)[1:-1] for row in rows]
    assert {len(row) for row in cells} == {len(HEADLINE_COLUMNS)}
    first_cells = [_inline_text(t.children) for i, t in enumerate(tokens) if t.type == "inline"
                   and tokens[i - 1].type == "td_open" and tokens[i - 2].type == "tr_open"]
    for name in [*HOSTILE[3:6], *HOSTILE[5:]]:
        assert _one_line(name) in first_cells, name
    items = [_inline_text(t.children) for i, t in enumerate(tokens) if t.type == "inline"
             and tokens[i - 2].type == "list_item_open"]
    assert any(_one_line(HOSTILE[0]) in item for item in items), items


def _open_in_chromium(page_path: Path) -> tuple[list[str], list[str]]:
    """Dialogs opened and console errors logged while PAGE_PATH loads in headless Chromium."""
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.skip(f"no Chromium at {chromium} (set CHROMIUM_PATH)")
    from tests.report.test_html import _FLAGS

    dialogs: list[str] = []
    errors: list[str] = []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, headless=True, args=_FLAGS)
        page = browser.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(page_path.as_uri())
        page.wait_for_timeout(300)
        browser.close()
    return dialogs, errors


def test_html_report_runs_nothing_in_chromium_and_its_policy_blocks_a_planted_one(hostile_report, tmp_path):
    dialogs, errors = _open_in_chromium(hostile_report["html"])
    assert dialogs == [] and errors == []
    # Were an escape ever missed, the page's Content-Security-Policy would still stop the script.
    planted = tmp_path / "planted.html"
    page = hostile_report["html"].read_text(encoding="utf-8")
    planted.write_text(page.replace("<h1>", "<script>alert('planted')</script><h1>", 1), encoding="utf-8")
    dialogs, errors = _open_in_chromium(planted)
    assert dialogs == [] and any("Content Security Policy" in error for error in errors), errors


@pytest.mark.parametrize(("samples", "name"), [(float("inf"), "inf"), (1e308, "1e308"), (float("nan"), "nan"),
                                               (-1.0, "negative")])
def test_report_refuses_latency_samples_no_measurement_gives(tmp_path, capsys, samples, name):
    import numpy as np

    document = tiny_bench(tmp_path, "bench")
    arrays = dict(np.load(tmp_path / "bench.arrays.npz"))
    key = "runs/0/samples/latency_ms"
    arrays[key] = np.where(np.arange(arrays[key].size) % 2 == 0, samples, arrays[key])
    np.savez(tmp_path / "bench.arrays.npz", **arrays)
    line = _refused(capsys, "report", document, "--html", tmp_path / "r.html")
    assert "latency samples must be finite milliseconds" in line
    assert not (tmp_path / "r.html").exists()


# --- the gate's Markdown summary and JUnit XML from a hostile model name -----------------------


def test_gate_markdown_and_junit_keep_a_hostile_model_name_inert(tmp_path, monkeypatch, capsys):
    from tests import tflite_builder

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    key = "m\x01|x\n## injected\r<script>alert(1)</script>"
    file_name = "model\x01 |x\n# H\r| [l](javascript:x) <b>.tflite"
    tflite_builder.add_chain(tmp_path / file_name, n_ops=2)
    toml_key = json.dumps(key)  # a JSON string is a TOML basic string
    (tmp_path / "edgekit.toml").write_text(
        f"[models.{toml_key}]\nmodel = {json.dumps(file_name)}\n\n"
        f"[models.{toml_key}.checks]\nsize = {{ max_bytes = 10 }}\n", encoding="utf-8")
    code = main(["gate", "--config", "edgekit.toml", "--junit", "g.xml", "--markdown", "g.md", "--quiet"])
    capsys.readouterr()
    assert code == 1

    suite = ET.parse(tmp_path / "g.xml").getroot().find("testsuite")
    case = suite.find("testcase")
    assert case.get("classname") == xml_text(f"edgekit.gate.{key}") and case.find("failure") is not None

    text = (tmp_path / "g.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert [t.markup for t in tokens if t.type == "heading_open"] == ["##", "###"]
    kinds = {c.type for t in tokens for c in t.children or []}
    assert not kinds & {"html_inline", "link_open", "image", "em_open"}
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert len(rows) == 3 and all(len(re.split(r"(?<!\\)\|", row)) == 6 for row in rows)
    cells = [_inline_text(t.children) for t in tokens if t.type == "inline"]
    assert _one_line(key) in cells


# --- scaffolded apps: every template of every app, with hostile names ---------------------------

#: A model file name with everything a file name can hold that a sink could mistake for code.
HOSTILE_FILE = "a${globalThis.PWNED=1}b`\"'\\ <script>x *\\ \u2028\u2029\u202e x\nnew|line*_[x](y)\r\x01"
#: Tensor names may hold what file names cannot: a slash.
HOSTILE_TENSOR = "</script>*/`${globalThis.PWNED=2}`\"'\\\n\u2028|"
_POSE = {"normalize": (0.0, 1.0), "keypoints": (33, 5), "output": "Identity"}


def _hostile_model(zoo: Path, folder: Path, source: str, suffix: str = ".tflite") -> Path:
    """The cached model SOURCE under HOSTILE_FILE's name (a link, and vocab.txt beside it if any)."""
    folder.mkdir(parents=True)
    original = zoo / source
    for sibling in ("vocab.txt",):
        if (original.parent / sibling).is_file():
            shutil.copyfile(original.parent / sibling, folder / sibling)
    model = folder / (HOSTILE_FILE + suffix)
    model.symlink_to(original)
    return model


def _graph_model(zoo: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copyfile(zoo / "models/selfie-segmentation-tfjs/selfie.bin", folder / "selfie.bin")
    model = folder / (HOSTILE_FILE + ".json")
    shutil.copyfile(zoo / "models/selfie-segmentation-tfjs/selfie.json", model)
    return model


def _apps(zoo: Path, root: Path) -> dict[str, tuple[Path, dict]]:
    from tests import text_models

    sources = {"pose": "models/pose-landmark-lite/pose_landmark_lite.tflite",
               "bodypix": "models/selfie-segmentation/selfie_segmentation.tflite",
               "qa": str(text_models.minilm_qa(zoo).relative_to(zoo)),
               "smart-scroll": "models/minilm-l6/seq128/minilm-l6-seq128.tflite"}
    options = {"pose": _POSE, "bodypix": {"normalize": (0.0, 1.0)}, "qa": {}, "smart-scroll": {}}
    apps = {f"{task}-android": (_hostile_model(zoo, root / f"{task}-android", source), options[task])
            for task, source in sources.items()}
    apps.update({f"{task}-web": (_hostile_model(zoo, root / f"{task}-web", source), options[task])
                 for task, source in sources.items() if task != "bodypix"})
    # selfie_segmentation.tflite needs a custom op tfjs-tflite lacks: bodypix-web runs the TF.js graph.
    apps["bodypix-web"] = (_graph_model(zoo, root / "bodypix-web"), options["bodypix"])
    return apps


@pytest.fixture(scope="module")
def hostile_apps(tmp_path_factory, zoo_model) -> dict[str, Path]:
    """Every app, scaffolded from a real model whose file is named HOSTILE_FILE."""
    from edgekit.scaffold.binding import BindOptions
    from edgekit.scaffold.project import scaffold

    for name in ("pose-landmark-lite", "selfie-segmentation", "selfie-segmentation-tfjs", "minilm-l6"):
        zoo_model(name)
    zoo = Path(os.environ["EDGEKIT_CACHE_DIR"])
    root = tmp_path_factory.mktemp("hostile-apps")
    return {app: scaffold(app, model, root / "out" / app, options=BindOptions(**options)).out
            for app, (model, options) in _apps(zoo, root / "models").items()}


WEB_APPS = ("pose-web", "bodypix-web", "qa-web", "smart-scroll-web")
ANDROID_APPS = ("pose-android", "bodypix-android", "qa-android", "smart-scroll-android")


@pytest.mark.slow
@pytest.mark.parametrize("app", WEB_APPS)
def test_web_app_code_parses_and_holds_the_hostile_name_as_a_string(hostile_apps, typescript, tmp_path, app):
    out = hostile_apps[app]
    sources = sorted(p for p in out.rglob("*") if p.suffix in (".ts", ".mjs", ".js") and p.is_file()
                     and "public" not in p.relative_to(out).parts)
    contract = out / "src/contract.ts"
    report = check_typescript(typescript, tmp_path, sources, evaluate=(contract,))
    problems = {str(p.relative_to(out)): report[str(p)]["problems"] for p in sources}
    assert {name: found for name, found in problems.items() if found} == {}
    assert report["pwned"] is None
    model = report[str(contract)]["exports"]["MODEL"]
    suffix = ".json" if app == "bodypix-web" else ".tflite"
    assert model["file"] == HOSTILE_FILE + suffix and model["files"][0] == model["file"]
    from urllib.parse import unquote

    assert unquote(model["url"]) == "/model/" + model["file"]
    assert (out / "public/model" / model["file"]).is_file()
    description = json.loads((out / "package.json").read_text(encoding="utf-8"))["description"]
    assert model["displayName"] in description


@pytest.mark.slow
@pytest.mark.parametrize("app", WEB_APPS)
def test_web_app_page_has_the_same_markup_as_with_a_plain_name(hostile_apps, app):
    page = _parse_html((hostile_apps[app] / "index.html").read_text(encoding="utf-8"))
    template = (Path(__file__).parents[2] / "templates/web" / app.removesuffix("-web") / "index.html.jinja")
    skeleton = re.sub(r"\{\{[^}]*\}\}", "x", template.read_text(encoding="utf-8"))
    assert [(tag, sorted(attributes)) for tag, attributes in page.tags] == [
        (tag, sorted(attributes)) for tag, attributes in _parse_html(skeleton).tags]
    assert HOSTILE_FILE.split("<")[0] in "".join(page.text)


@pytest.mark.slow
@pytest.mark.parametrize("app", [*WEB_APPS, *ANDROID_APPS])
def test_app_readme_keeps_the_hostile_name_in_its_code_span(hostile_apps, app):
    text = (hostile_apps[app] / "README.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    children = [c for t in tokens for c in t.children or []]
    assert not {c.type for c in children} & {"html_inline", "link_open", "image", "html_block"}
    assert not {t.type for t in tokens} & {"html_block"}
    codes = {c.content for c in children if c.type == "code_inline"}
    assert any(_one_line(HOSTILE_FILE) in code for code in codes), codes
    platform = "web" if app.endswith("-web") else "android"
    template = Path(__file__).parents[2] / "templates" / platform / "_common/README.md.jinja"
    headings = [t for t in MarkdownIt("commonmark").parse(template.read_text(encoding="utf-8"))
                if t.type == "heading_open"]
    assert sum(t.type == "heading_open" for t in tokens) == len(headings)  # none injected
    assert _one_line(HOSTILE_FILE) in _inline_text(tokens[1].children)  # the title reads back


@pytest.mark.slow
@pytest.mark.parametrize("app", ANDROID_APPS)
def test_android_app_parses_and_reads_the_hostile_name_back(hostile_apps, app):
    from edgekit.scaffold import validate_android, validate_android_code

    out = hostile_apps[app]
    assert validate_android.kotlin_problems(out) == []
    contract = (out / "app/src/main/java/dev/edgekit/app/ModelContract.kt").read_text(encoding="utf-8")
    literal = re.search(r"const val MODEL_FILE = (.*)", contract).group(1)
    assert validate_android_code.kotlin_string_value(literal) == HOSTILE_FILE + ".tflite"
    for path in out.rglob("*.xml"):
        ET.parse(path)
    strings = ET.parse(out / "app/src/main/res/values/strings.xml").getroot()
    info = next(s for s in strings.iter("string") if s.get("name") == "model_info")
    assert validate_android_code.android_string_value("".join(info.itertext())).startswith(HOSTILE_FILE)


def _renamed_tensors(source: Path, target: Path) -> Path:
    """SOURCE with every input and output tensor renamed to HOSTILE_TENSOR plus its position."""
    from tests import hostile

    def rename(model) -> None:
        graph = model.subgraphs[0]
        for position, index in enumerate([*graph.inputs, *graph.outputs]):
            graph.tensors[index].name = f"{HOSTILE_TENSOR}{position}".encode()

    target.write_bytes(hostile.edit_model(source.read_bytes(), rename))
    return target


@pytest.mark.parametrize("app", ["pose-web", "pose-android"])
def test_hostile_tensor_names_stay_strings(zoo_model, typescript, tmp_path, app):
    from edgekit.scaffold import validate_android
    from edgekit.scaffold.binding import BindOptions
    from edgekit.scaffold.project import scaffold

    model = _renamed_tensors(zoo_model("pose-landmark-lite"), tmp_path / "pose.tflite")
    options = BindOptions(**{**_POSE, "output": f"{HOSTILE_TENSOR}1"})
    out = scaffold(app, model, tmp_path / "app", options=options).out
    if app == "pose-android":
        assert validate_android.kotlin_problems(out) == []
        return
    contract = out / "src/contract.ts"
    report = check_typescript(typescript, tmp_path / "scratch", [contract], evaluate=(contract,))
    assert report[str(contract)]["problems"] == [] and report["pwned"] is None
    exports = report[str(contract)]["exports"]
    assert exports["MODEL"]["inputs"][0]["name"] == f"{HOSTILE_TENSOR}0"
    assert exports["BINDING"]["keypoints"]["tensor"]["key"] == f"{HOSTILE_TENSOR}1"


@pytest.mark.parametrize("name", ['po"se', "new\nline", "back\\slash$`"])
def test_a_model_name_with_quotes_or_line_breaks_scaffolds(zoo_model, tmp_path, capsys, name):
    """These names made the generated package.json invalid JSON: an internal error, exit 4."""
    zoo_model("selfie-segmentation-tfjs")
    model = _graph_model(Path(os.environ["EDGEKIT_CACHE_DIR"]), tmp_path / "model")
    model = model.rename(model.with_name(name + ".json"))
    code = main(["scaffold", "--app", "bodypix-web", "--model", str(model), "--out", str(tmp_path / "app"),
                 "--normalize=0,1"])
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((tmp_path / "app/package.json").read_text(encoding="utf-8"))
    assert manifest["description"].count(name) == 1


def test_an_error_naming_a_hostile_file_stays_one_line_on_the_terminal(zoo_model, tmp_path, capsys):
    """A line break would add a line to a CI log (`::` starts a workflow command); ESC drives the screen."""
    model = tmp_path / "x\n::error::forged\x1b[2J\u2028.tflite"
    model.symlink_to(zoo_model("pose-landmark-lite"))
    line = _refused(capsys, "scaffold", "--app", "qa-web", "--model", model, "--out", tmp_path / "app")
    assert "x\\n::error::forged\\x1b[2J\\u2028.tflite" in line
