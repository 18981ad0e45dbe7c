"""Web text apps (qa-web, smart-scroll-web): text rules, golden vectors, rendered files, real browser runs.

The Python reference rules (tokenizer offsets, span search, TF-IDF, sections, centrality) are checked
against numbers worked out by hand; the golden vectors of real models against independent
recomputations; the rendered key files of one binding per app against stored golden files (set
EDGEKIT_UPDATE_GOLDEN=1 to rewrite them after a reviewed template change); and, marked slow, each app
is installed, built and run in headless Chromium, where its TypeScript pipeline must reproduce the
golden vectors, and must fail once they are wrong. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from edgekit.cli.main import main
from edgekit.inputs.wordpiece import WordPieceTokenizer, read_vocab
from edgekit.scaffold.binding import BindingError, BindOptions
from edgekit.scaffold.golden import text_qa, text_scroll
from edgekit.scaffold.golden.text_common import TOKENIZER_CASES
from edgekit.scaffold.project import bind_app, scaffold
from edgekit.scaffold.render import templates_dir
from tests.golden_files import GOLDEN_ROOT, assert_matches_golden
from tests.scaffold.webproject import ARTIFACTS, run_web_project, web_tools_missing

GOLDEN = GOLDEN_ROOT / "web"
#: Files whose every byte is reviewed: what the model binds to, what the build pins, the page, the README.
KEY_FILES = ("package.json", "src/contract.ts", "index.html", "README.md")
_VARIABLE = [
    (re.compile(r"edgekit \d+\.\d+\.\d+\S*"), "edgekit <version>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
]


@pytest.fixture(scope="module")
def minilm_vocab(zoo_model) -> Path:
    return zoo_model("minilm-l6").parent / "vocab.txt"


# --- tokenizer ----------------------------------------------------------------------------------


def test_offsets_map_pieces_back_to_the_text_as_written(minilm_vocab):
    tokenizer = WordPieceTokenizer.from_vocab(minilm_vocab)
    for text in TOKENIZER_CASES:
        assert [p.text for p in tokenizer.pieces(text)] == tokenizer.tokenize(text)
    pieces = tokenizer.pieces("Ångström's unaffable ΟΔΟΣ")
    assert [(p.text, "Ångström's unaffable ΟΔΟΣ"[p.start:p.end]) for p in pieces] == [
        ("ang", "Ång"), ("##strom", "ström"), ("'", "'"), ("s", "s"), ("una", "una"), ("##ffa", "ffa"),
        ("##ble", "ble"), ("ο", "Ο"), ("##δ", "Δ"), ("##ος", "ΟΣ")]  # final sigma lowercases to ς


def test_pair_encoding_keeps_the_pieces_that_survive_truncation(minilm_vocab):
    tokenizer = WordPieceTokenizer.from_vocab(minilm_vocab)
    question, passage = (
        "who built the mill?",
        "The mill on the river was built by the town's weavers in 1820.",
    )
    for seq_len in (8, 12, 16, 40):
        encoded = tokenizer.encode_pieces(tokenizer.pieces(question), seq_len, tokenizer.pieces(passage))
        arrays = tokenizer.encode(question, seq_len, passage)
        assert encoded.ids == arrays["input_ids"][0].tolist()
        assert encoded.types == arrays["token_type_ids"][0].tolist()
        assert encoded.mask == arrays["attention_mask"][0].tolist()
    short = tokenizer.encode_pieces(tokenizer.pieces(question), 12, tokenizer.pieces(passage))
    # 12 - 3 special tokens = 9 pieces: the passage (17) loses pieces until it is as long as the
    # question (5), then the second part loses one more on the tie: 5 + 4.
    assert len(tokenizer.pieces(passage)) == 17
    assert (len(short.first), len(short.second), short.second_offset) == (5, 4, 7)


def test_cased_vocabulary_keeps_case_and_accents(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text(
        "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nCafé\r\ncafe\r\nHello\r\n##s\r\n!\r\n", encoding="utf-8"
    )
    assert read_vocab(vocab)["Café"] == 4  # \r\n line endings are read as one
    cased = WordPieceTokenizer.from_vocab(vocab, lowercase=False)
    pieces = cased.pieces("Café Hellos!")
    assert [(p.text, p.id) for p in pieces] == [("Café", 4), ("Hello", 6), ("##s", 7), ("!", 8)]
    uncased = WordPieceTokenizer.from_vocab(vocab, lowercase=True)
    assert uncased.tokenize("Café hello") == ["cafe", "[UNK]"]


# --- span search, by hand -------------------------------------------------------------------------


def test_best_span_respects_passage_bounds_order_and_length():
    start = [0.0, 1.0, 5.0, 2.0, 0.0]
    end = [0.0, 3.0, 1.0, 4.0, 9.0]
    # Positions 1..3, at most 2 tokens: (1,1)=4 (1,2)=2 (2,2)=6 (2,3)=9 (3,3)=6 -> (2,3), next best 6.
    span, margin = text_qa.best_span(start, end, 1, 3, 2)
    assert (span.start, span.end, span.score, margin) == (2, 3, 9.0, 3.0)
    # With position 4: (2,4) = 14 is 3 tokens long; (3,4) = 11 wins, (2,3) = 9 next.
    span, margin = text_qa.best_span(start, end, 1, 4, 2)
    assert (span.start, span.end, margin) == (3, 4, 2.0)
    # An end before the start would score 18; it is not a span.
    span, margin = text_qa.best_span([0.0, 9.0], [9.0, 0.0], 0, 1, 5)
    assert (span.start, span.end, span.score, margin) == (0, 0, 9.0, 0.0)


def test_best_span_ties_go_to_the_earliest_and_empty_passages_are_refused():
    span, margin = text_qa.best_span([1.0, 1.0], [1.0, 1.0], 0, 1, 5)
    assert (span.start, span.end, margin) == (0, 0, 0.0)
    span, margin = text_qa.best_span([3.0], [4.0], 0, 0, 1)
    assert (span.score, margin) == (7.0, math.inf)
    with pytest.raises(ValueError, match="no passage tokens"):
        text_qa.best_span([1.0], [1.0], 3, 2, 5)


# --- sections, keywords, scores, by hand ---------------------------------------------------------


def test_sections_are_paragraphs_else_groups_of_four_sentences():
    text = "  First para.\nstill first.\n \t\r\nSecond one!\n\n\n\nThird?  \n"
    assert text_scroll.split_sections(text) == ["First para.\nstill first.", "Second one!", "Third?"]
    sentences = "One. Two! Three? Four. Five.\nSix."
    assert text_scroll.split_sections(sentences) == ["One. Two! Three? Four.", "Five. Six."]
    assert text_scroll.split_sections("\n\n") == []


def test_terms_are_lowercased_letter_digit_runs_without_stop_words_short_or_numeric_ones():
    text = "Don't stop: 2024 Bees, BEES and the café's ÉCLAIRS! x2y 3rd"
    assert text_scroll.terms(text, frozenset({"the", "and", "stop"})) == [
        "don", "bees", "bees", "café", "éclairs", "x2y", "3rd"]  # "t" and "s" are too short, "2024" a number


def test_tf_idf_keywords_by_hand():
    # N = 2; df: apple 1, pear 2, plum 1; idf = ln(3 / (1 + df)) + 1: apple, plum 1.405465, pear 1.
    keywords = text_scroll.keywords([["apple", "apple", "pear"], ["pear", "plum"], ], per_section=3)
    idf = math.log(1.5) + 1
    assert [(k.term, k.score) for k in keywords[0]] == [
        ("apple", pytest.approx(2 / 3 * idf)),
        ("pear", pytest.approx(1 / 3)),
    ]
    assert [(k.term, k.score) for k in keywords[1]] == [
        ("plum", pytest.approx(0.5 * idf)),
        ("pear", pytest.approx(0.5)),
    ]
    assert keywords[0][0].score == pytest.approx(0.9369767387)
    # Equal scores are ordered by term; at most per_section are kept; an empty section has none.
    tied = text_scroll.keywords([["kiwi", "fig", "date"], []], per_section=2)
    assert [k.term for k in tied[0]] == ["date", "fig"] and tied[1] == []


def test_centrality_and_key_sections_by_hand():
    # Mean of (1,0), (0,1), (1,0) is (2/3, 1/3): cosines 2/sqrt(5), 1/sqrt(5), 2/sqrt(5).
    scores = text_scroll.centrality(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]))
    np.testing.assert_allclose(scores, [2 / math.sqrt(5), 1 / math.sqrt(5), 2 / math.sqrt(5)])
    assert text_scroll.key_sections(list(scores)) == [0]  # ceil(3 / 4) = 1; the tie goes to the earlier
    assert text_scroll.key_sections([0.1, 0.5, 0.3, 0.5, 0.2]) == [1, 3]  # ceil(5 / 4) = 2
    np.testing.assert_array_equal(text_scroll.centrality(np.array([[1.0, 0.0], [-1.0, 0.0]])), [0.0, 0.0])


def test_stop_words_are_the_templates_data_file():
    words = text_scroll.stop_words()
    assert {"the", "because", "gonna", "yeah"} <= words and not any(
        w.startswith("#") or w != w.strip() for w in words
    )
    assert text_scroll.parse_stop_words("# comment\n\n And \r\nthe\n") == {"And", "the"}


# --- golden vectors of real models ---------------------------------------------------------------


@pytest.fixture(scope="module")
def projects(tmp_path_factory, zoo_model, qa_model) -> dict[str, Path]:
    """app -> a scaffolded project: qa-web on the MiniLM QA test model, smart-scroll-web on minilm-l6."""
    root = tmp_path_factory.mktemp("web-text")
    zoo_model("minilm-l6")
    return {"qa-web": scaffold("qa-web", qa_model, root / "qa-web").out,
            "smart-scroll-web": scaffold("smart-scroll-web", "minilm-l6", root / "smart-scroll-web").out}


def _expected(project: Path) -> dict:
    return json.loads((project / "public/golden/expected.json").read_text(encoding="utf-8"))


def test_qa_golden_vectors_are_the_best_span_of_the_models_logits(projects, minilm_vocab):
    expected = _expected(projects["qa-web"])
    stored_input = json.loads((projects["qa-web"] / "public/golden/input.json").read_text(encoding="utf-8"))
    assert stored_input == {"question": text_qa.QUESTION, "passage": text_qa.PASSAGE}
    reference = WordPieceTokenizer.from_vocab(minilm_vocab).encode(text_qa.QUESTION, 128, text_qa.PASSAGE)
    assert expected["input_ids"] == reference["input_ids"][0].tolist()
    assert expected["token_type_ids"] == reference["token_type_ids"][0].tolist()
    first, last = expected["passage_tokens"]
    assert (
        expected["input_ids"][first - 1] == expected["input_ids"][last + 1] == 102
    )  # [SEP] around the passage
    # An independent search: every (s, e) score at once, invalid spans masked out.
    start, end = np.array(expected["start_logits"]), np.array(expected["end_logits"])
    scores = np.add.outer(start, end)
    positions = np.arange(128)
    valid = (
        (positions[:, None] >= first)
        & (positions[None, :] <= last)
        & (positions[None, :] >= positions[:, None])
        & (positions[None, :] - positions[:, None] < expected["max_answer_len"])
    )
    s, e = np.unravel_index(np.argmax(np.where(valid, scores, -np.inf)), scores.shape)
    assert (expected["span"]["start"], expected["span"]["end"]) == (s, e)
    assert expected["span"]["score"] == pytest.approx(scores[s, e], abs=1e-6)
    assert expected["span_margin"] > 0
    assert expected["answer"] in text_qa.PASSAGE and len(expected["answer"].split()) >= 1
    assert len(expected["tokenizer_cases"]) == len(TOKENIZER_CASES)


def test_scroll_golden_vectors_score_the_stored_embeddings(projects):
    project = projects["smart-scroll-web"]
    expected = _expected(project)
    assert (project / "public/golden/transcript.txt").read_text(encoding="utf-8") == text_scroll.TRANSCRIPT
    sections = expected["sections"]
    assert [s["text"] for s in sections] == text_scroll.split_sections(text_scroll.TRANSCRIPT) and len(
        sections
    ) == 7
    embeddings = np.array([s["embedding"] for s in sections])
    assert embeddings.shape == (7, 384)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-6)
    mean = embeddings.mean(axis=0)
    np.testing.assert_allclose(
        [s["score"] for s in sections], embeddings @ mean / np.linalg.norm(mean), atol=1e-6
    )
    assert expected["key_sections"] == list(np.argsort(-embeddings @ mean, kind="stable")[:2])
    # The hive anatomy section is about bees and honey; its keywords say so.
    assert {"brood", "honey", "queen"} == {k["term"] for k in sections[1]["keywords"]}
    # Different sections are different texts: no two embeddings alike.
    similarity = embeddings @ embeddings.T
    assert similarity[~np.eye(7, dtype=bool)].max() < 0.95


@pytest.mark.parametrize("app", ["qa-web", "smart-scroll-web"])
def test_rendered_key_files_match_golden(projects, app):
    assert_matches_golden(projects[app], KEY_FILES, GOLDEN / app, _mask_variable_parts)


def _mask_variable_parts(text: str) -> str:
    for pattern, replacement in _VARIABLE:
        text = pattern.sub(replacement, text)
    return text


def test_shared_text_files_are_rendered_once_into_both_apps(projects):
    for app in ("qa-web", "smart-scroll-web"):
        src = projects[app] / "src"
        assert {"tokenizer.ts", "textmodel.ts", "page.ts", "pipeline.ts", "main.ts"} <= {
            p.name for p in src.iterdir()
        }
        assert (projects[app] / "tests/text.ts").is_file() and (
            projects[app] / "public/model/vocab.txt"
        ).is_file()
    assert (projects["smart-scroll-web"] / "src/stopwords.txt").read_text(encoding="utf-8") == \
        (templates_dir() / text_scroll.STOP_WORDS_FILE).read_text(encoding="utf-8")


# --- refusals -------------------------------------------------------------------------------------


def _refusal(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in lines if line.startswith("edgekit: error: ")]
    assert errors == [lines[-1]] and not any("Traceback" in line for line in lines)
    return errors[0]


def test_an_image_model_is_refused_by_qa_web(zoo_model, tmp_path, capsys):
    zoo_model("pose-landmark-lite")
    error = _refusal(
        ["scaffold", "--app", "qa-web", "--model", "pose-landmark-lite", "--out", str(tmp_path / "o")], capsys
    )
    assert error == (
        "edgekit: error: qa-web cannot use pose-landmark-lite: expected int32 token inputs [1, seq_len] "
        "(input_ids, attention_mask, token_type_ids); found 'input_1' float32 [1, 256, 256, 3]"
    )
    assert not (tmp_path / "o").exists()


def test_an_encoder_without_span_logits_is_refused_by_qa_web(zoo_model, tmp_path, capsys):
    zoo_model("minilm-l6")
    error = _refusal(
        ["scaffold", "--app", "qa-web", "--model", "minilm-l6", "--out", str(tmp_path / "o")], capsys
    )
    assert error.endswith("qa-web cannot use minilm-l6: expected float32 start and end logits [1, 128] "
                          "(or one [1, 128, 2]); outputs are 'embedding' float32 [1, 384]")


def test_a_text_model_without_vocabulary_is_refused_naming_vocab(zoo_model, minilm_vocab, tmp_path, capsys):
    alone = tmp_path / "alone" / "encoder.tflite"
    alone.parent.mkdir()
    shutil.copyfile(zoo_model("minilm-l6"), alone)
    error = _refusal(
        ["scaffold", "--app", "smart-scroll-web", "--model", str(alone), "--out", str(tmp_path / "o")], capsys
    )
    assert error == (
        "edgekit: error: smart-scroll-web cannot use encoder.tflite: the model has no vocabulary beside "
        "it (vocab.txt); pass --vocab FILE with the WordPiece vocabulary it was trained with"
    )
    # Given --vocab, the same model binds.
    _, _, _, binding = bind_app("smart-scroll-web", alone, BindOptions(vocab=minilm_vocab))
    assert binding["text"].vocab == minilm_vocab and binding["embedding"].dim == 384
    broken = tmp_path / "vocab.txt"
    broken.write_text("hello\nworld\n", encoding="utf-8")
    with pytest.raises(BindingError, match=r"lacks \[PAD\], \[UNK\], \[CLS\], \[SEP\]"):
        bind_app("qa-web", alone, BindOptions(vocab=broken))


# --- in the browser ------------------------------------------------------------------------------


def _browser_run(project: Path, shots: str):
    missing = web_tools_missing()
    if missing:
        pytest.skip(f"cannot run web projects here: {missing}")
    result = run_web_project(project, screenshot=ARTIFACTS / "web" / shots)
    entry = result.latency("wasm")
    assert entry["runs"] == 10 and len(entry["samples_ms"]) == 10 and entry["median_ms"] > 0
    assert "XNNPACK, 2 threads" in entry["detail"]  # served cross-origin isolated
    return entry


@pytest.mark.slow
def test_qa_project_builds_and_matches_golden_in_chromium(projects):
    project = projects["qa-web"]
    entry = _browser_run(project, "minilm-qa")
    assert entry["app"] == "qa-web"
    assert (ARTIFACTS / "web/minilm-qa/qa-web-wasm.png").stat().st_size > 10_000

    # The same project must fail once its golden logits are wrong.
    golden = project / "public/golden/expected.json"
    expected = json.loads(golden.read_text(encoding="utf-8"))
    expected["start_logits"][20] += 0.01
    golden.write_text(json.dumps(expected), encoding="utf-8")
    with pytest.raises(AssertionError, match=r"start_logits\[20\]"):
        run_web_project(project, projects=("wasm",), install=False, build=False)


@pytest.mark.slow
def test_smart_scroll_project_builds_and_matches_golden_in_chromium(projects):
    project = projects["smart-scroll-web"]
    entry = _browser_run(project, "minilm-l6")
    assert entry["app"] == "smart-scroll-web"

    # ... and must fail once a golden keyword or a tokenizer case is wrong.
    golden = project / "public/golden/expected.json"
    expected = json.loads(golden.read_text(encoding="utf-8"))
    expected["sections"][2]["keywords"][0]["term"] = "canals"
    expected["tokenizer_cases"][1]["ids"][0] += 1
    golden.write_text(json.dumps(expected), encoding="utf-8")
    with pytest.raises(AssertionError, match=r"(?s)tokenizer on .*section 2 keywords"):
        run_web_project(project, projects=("wasm",), install=False, build=False)
