"""The code checks of generated Android apps, on small hand-written projects that break one rule each.

The Kotlin below is what the templates held before review (trimmed), so each test is one that
would have failed on them; test_android.py shows the real generated apps pass every check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from edgekit.scaffold import validate_android_code as code
from edgekit.scaffold.render import kotlin_string
from tests.scaffold.test_render import TRICKY

pytest.importorskip("tree_sitter_kotlin")

SOURCES = "app/src/main/java/dev/edgekit/app"

PIPELINE = """
class QaPipeline(private val runner: ModelRunner) : AutoCloseable {
    override fun close() = runner.close()
}
"""

#: qa-android's Activity before review: closes from a cancelled scope, executor per Activity.
OLD_QA_ACTIVITY = """
class MainActivity : AppCompatActivity() {
    private val modelThread = Executors.newSingleThreadExecutor().asCoroutineDispatcher()
    private var pipeline: QaPipeline? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
    }

    override fun onDestroy() {
        super.onDestroy()
        lifecycleScope.launch(Dispatchers.Default) { withContext(modelThread) { pipeline?.close() } }
    }
}
"""

GOOD_ACTIVITY = """
class MainActivity : AppCompatActivity() {
    private lateinit var viewModel: QaViewModel

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        setContentView(R.layout.activity_main)
        findViewById<View>(R.id.root).padForSystemBars(keyboard = true)
    }
}
"""

INSETS = """
fun View.padForSystemBars(keyboard: Boolean = false) {
    ViewCompat.setOnApplyWindowInsetsListener(this) { view, insets ->
        val types = WindowInsetsCompat.Type.systemBars() or WindowInsetsCompat.Type.ime()
        WindowInsetsCompat.CONSUMED
    }
}
"""

VIEW_MODEL = """
class QaViewModel(application: Application) : AndroidViewModel(application) {
    private val modelExecutor: ExecutorService = Executors.newSingleThreadExecutor()
    private var pipeline: QaPipeline? = null

    override fun onCleared() {
        // not viewModelScope: it is cancelled here
        modelExecutor.execute { pipeline?.close() }
        modelExecutor.shutdown()
    }
}
"""

MANIFEST = """<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android">
    <application>
        <activity android:name=".MainActivity" {mode} android:exported="true">
            <intent-filter>
                <action android:name="android.intent.action.MAIN" />
                <category android:name="android.intent.category.LAUNCHER" />
            </intent-filter>
            {share}
        </activity>
    </application>
</manifest>
"""

SEND_FILTER = """<intent-filter>
                <action android:name="android.intent.action.SEND" />
                <category android:name="android.intent.category.DEFAULT" />
                <data android:mimeType="text/plain" />
            </intent-filter>"""


def project(root: Path, sources: dict[str, str], *, share: str = "", mode: str = "") -> Path:
    """A minimal app: Kotlin ``sources`` (name -> text), a manifest, and a layout with a text field."""
    for name, text in sources.items():
        path = root / SOURCES / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("package dev.edgekit.app\n" + text, encoding="utf-8")
    (root / "app/src/main/res/layout").mkdir(parents=True)
    layout = "<LinearLayout><EditText /></LinearLayout>"
    (root / "app/src/main/res/layout/activity_main.xml").write_text(layout, encoding="utf-8")
    manifest = MANIFEST.format(share=share, mode=mode)
    (root / "app/src/main/AndroidManifest.xml").write_text(manifest, encoding="utf-8")
    return root


def good_sources(**override: str) -> dict[str, str]:
    return {"QaPipeline.kt": PIPELINE, "MainActivity.kt": GOOD_ACTIVITY, "Insets.kt": INSETS,
            "QaViewModel.kt": VIEW_MODEL, **override}


def test_a_lifecycle_correct_app_passes(tmp_path):
    root = project(tmp_path, good_sources())
    assert code.lifecycle_problems(root) == [] and code.insets_problems(root) == []
    assert code.share_problems(root) == []


def test_the_old_qa_activity_is_caught(tmp_path):
    root = project(tmp_path, good_sources(**{"MainActivity.kt": OLD_QA_ACTIVITY}))
    where = f"{SOURCES}/MainActivity.kt: MainActivity"
    assert code.lifecycle_problems(root) == [
        f"{where} launches from lifecycleScope in onDestroy, where it is already cancelled",
        f"{where} creates an executor, one per recreation; let its ViewModel own it",
        f"{where} holds the Closeable pipeline, reopened on every rotation; let its ViewModel own it and "
        "close it in onCleared",
    ]
    assert code.insets_problems(root) == [
        f"{where} does not call enableEdgeToEdge() in onCreate",
        f"{where} applies no window insets (setOnApplyWindowInsetsListener), so its views lie under the "
        "system bars on Android 15",
    ]


def test_a_view_model_that_never_closes_its_pipeline_is_caught(tmp_path):
    """smart-scroll before review never closed its pipeline; here the ViewModel forgets to."""
    leaky = VIEW_MODEL.replace("modelExecutor.execute { pipeline?.close() }", "")
    root = project(tmp_path, good_sources(**{"QaViewModel.kt": leaky}))
    assert code.lifecycle_problems(root) == [
        f"{SOURCES}/QaViewModel.kt: QaViewModel does not close pipeline in onCleared"]


def test_a_view_model_closing_from_its_cancelled_scope_is_caught(tmp_path):
    cancelled = VIEW_MODEL.replace("modelExecutor.execute {", "viewModelScope.launch {").replace(
        "modelExecutor.shutdown()", "")
    root = project(tmp_path, good_sources(**{"QaViewModel.kt": cancelled}))
    where = f"{SOURCES}/QaViewModel.kt: QaViewModel"
    assert code.lifecycle_problems(root) == [
        f"{where} launches from viewModelScope in onCleared, where it is already cancelled",
        f"{where} does not shut modelExecutor down in onCleared",
    ]


def test_a_generic_pipeline_owner_must_close_its_type_parameter(tmp_path):
    base = """
abstract class PipelineViewModel<P : AutoCloseable>(app: Application) : AndroidViewModel(app) {
    protected var pipeline: P? = null
}
"""
    root = project(tmp_path, good_sources(**{"QaViewModel.kt": base}))
    assert code.lifecycle_problems(root) == [
        f"{SOURCES}/QaViewModel.kt: PipelineViewModel holds pipeline but has no onCleared to release them"]


def test_edge_to_edge_after_set_content_view_and_missing_ime_insets_are_caught(tmp_path):
    content = "setContentView(R.layout.activity_main)"
    late = GOOD_ACTIVITY.replace("        enableEdgeToEdge()\n", "").replace(
        content, content + "\n        enableEdgeToEdge()")
    no_ime = INSETS.replace(" or WindowInsetsCompat.Type.ime()", "")
    root = project(tmp_path, good_sources(**{"MainActivity.kt": late, "Insets.kt": no_ime}))
    assert code.insets_problems(root) == [
        f"{SOURCES}/MainActivity.kt: MainActivity calls enableEdgeToEdge() after setContentView",
        "the app has text fields but applies no IME insets (WindowInsetsCompat.Type.ime()), so the "
        "keyboard covers them",
    ]


SHARING_ACTIVITY = GOOD_ACTIVITY.replace("    }\n}", """\
        if (savedInstanceState == null) readShared(intent)
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        readShared(intent)
    }

    private fun readShared(intent: Intent) {
        if (intent.action == Intent.ACTION_SEND) viewModel.read(intent.getStringExtra(Intent.EXTRA_TEXT))
    }
}""")


def test_shared_text_declared_and_read_on_create_and_new_intent_passes(tmp_path):
    root = project(tmp_path, good_sources(**{"MainActivity.kt": SHARING_ACTIVITY}), share=SEND_FILTER,
                   mode='android:launchMode="singleTop"')
    assert code.share_problems(root) == []


def test_shared_text_problems_are_caught(tmp_path):
    only_on_create = SHARING_ACTIVITY.replace("        readShared(intent)\n    }\n\n    private",
                                              "    }\n\n    private")
    no_default = SEND_FILTER.replace('<category android:name="android.intent.category.DEFAULT" />', "")
    root = project(tmp_path, good_sources(**{"MainActivity.kt": only_on_create}), share=no_default)
    assert code.share_problems(root) == [
        "AndroidManifest.xml: MainActivity's SEND filter lacks category DEFAULT, so no share reaches it",
        f"{SOURCES}/MainActivity.kt: MainActivity does not read shared text in onNewIntent",
        "AndroidManifest.xml: MainActivity takes shared text but has the standard launchMode, so "
        "onNewIntent never runs; use singleTop",
    ]


def test_reading_shared_text_without_a_send_filter_is_caught(tmp_path):
    root = project(tmp_path, good_sources(**{"MainActivity.kt": SHARING_ACTIVITY}))
    assert code.share_problems(root) == [
        f"{SOURCES}/MainActivity.kt: MainActivity reads ACTION_SEND, but AndroidManifest.xml declares "
        "no SEND intent filter for it"]


def test_a_data_class_holding_an_array_is_caught(tmp_path):
    spec = "data class TensorSpec(val key: String, val shape: {shape}, val scale: Float?)\n"
    root = project(tmp_path, {"ModelContract.kt": spec.format(shape="IntArray")})
    assert code.data_class_problems(root) == [
        f"{SOURCES}/ModelContract.kt: data class TensorSpec holds an array (val shape: IntArray), which "
        "equals compares by identity; use a List or write equals and hashCode"]
    (root / SOURCES / "ModelContract.kt").write_text(spec.format(shape="List<Int>"), encoding="utf-8")
    assert code.data_class_problems(root) == []


@pytest.mark.parametrize("value", TRICKY)
def test_escaped_kotlin_literals_parse(value):
    import tree_sitter
    import tree_sitter_kotlin

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_kotlin.language()))
    tree = parser.parse(f"const val X = {kotlin_string(value)}\n".encode())
    assert not tree.root_node.has_error


@pytest.mark.parametrize(("literal", "reason"), [
    ('"po"se"', "unescaped double quote"),
    ('"model$x.tflite"', "string template"),
    ('"a${b}"', "string template"),
    ('"form\\ffeed"', "escape \\f"),
])
def test_kotlin_literals_that_are_not_constant_text_are_refused(literal, reason):
    with pytest.raises(ValueError, match=reason.replace("\\", "\\\\").replace("$", "\\$")):
        code.kotlin_string_value(literal)


@pytest.mark.parametrize(("raw", "reason"), [
    ("Bob's pose", "unescaped apostrophe"),
    ('say "hi', "never closes"),
    ("trailing \\", "lone backslash"),
    ("@Bob", "not a resource reference"),
    ("\\u12", "four hex digits"),
])
def test_string_resources_aapt2_refuses_are_refused(raw, reason):
    with pytest.raises(ValueError, match=reason):
        code.android_string_value(raw)


def test_string_resources_read_like_aapt2():
    assert code.android_string_value('  a   "  b  "  c \\n ') == "a   b   c \n"
    assert code.android_string_value("@string/app_name") == "@string/app_name"


def test_string_resource_problems_name_the_file_and_string(tmp_path):
    values = tmp_path / "app/src/main/res/values"
    values.mkdir(parents=True)
    (values / "strings.xml").write_text(
        "<resources><string name=\"model_info\">Bob's pose</string>"
        "<string-array name=\"a\"><item>ok</item></string-array></resources>", encoding="utf-8")
    assert code.string_resource_problems(tmp_path) == [
        "app/src/main/res/values/strings.xml: string model_info: \"Bob's pose\" has an unescaped "
        "apostrophe; write \\'"]
