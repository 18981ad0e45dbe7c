"""Golden vectors for smart scroll: sections, keywords and key sections of a fixed transcript.

Pipeline (the apps implement exactly this; constants below):

1. **Sections.** The transcript is split into paragraphs at blank lines (a line break, optional
   spaces or tabs, a line break); each is trimmed of spaces, tabs and line breaks and empty ones
   are dropped. A transcript with a single paragraph is split into groups of
   :data:`SENTENCES_PER_SECTION` sentences instead (a sentence ends at ``.``, ``!`` or ``?``
   followed by spaces, tabs or line breaks).
2. **Keywords** by TF-IDF. Terms: the section lowercased (as one string), then maximal runs of
   letters and digits (Unicode categories L* and N*); terms shorter than :data:`MIN_TERM_CHARS`
   code points, made only of digits (N*), or on the stop-word list are dropped. The stop words
   are the template's data file ``src/stopwords.txt`` (one word a line, ``#`` comments).
   ``tf = count in section / terms kept in section``; ``idf = ln((1 + N) / (1 + df)) + 1`` with
   N sections and df the sections containing the term; score ``tf * idf`` in float64. A section's
   keywords are its :data:`KEYWORDS_PER_SECTION` best terms, by score descending, then by term
   in code-point order.
3. **Embeddings.** Each section alone is encoded ``[CLS] section [SEP]`` (truncated to the
   model's sequence length) and run through the model; a per-token output [1, L, D] is averaged
   over the attention mask. Every embedding is L2-normalised (in float64).
4. **Scores.** A section's score is the cosine similarity of its embedding to the mean of all
   section embeddings: how well it represents the whole transcript. The key sections are the
   ``ceil(N * KEY_FRACTION)`` best, by score descending, then by position.

Files written into the golden folder:

``transcript.txt``
    The fixed input (UTF-8).
``expected.json``
    ``schema_version`` (1), ``task`` ("smart-scroll"), ``model_sha256``, ``seq_len``, ``dim``;
    ``rules``: ``{"sentences_per_section", "min_term_chars", "keywords_per_section", "key_fraction"}``;
    ``sections``: one object per section, in order: ``text`` (str), ``input_ids`` (``seq_len``
    ints), ``keywords`` (``[{"term", "score"}]``), ``score`` (float), ``embedding`` (``dim``
    floats, L2-normalised, rounded to 8 decimals);
    ``key_sections``: positions of the key sections, best first;
    ``score_margin``: the gap between the last key section's score and the best other one
    (null when every section is a key section);
    ``tokenizer_cases``: ``[{"text", "ids"}]`` (as in :mod:`edgekit.scaffold.golden.text_qa`);
    ``tolerance``: ``{"embedding_abs", "score_abs", "keyword_score_abs"}``.
    A parity test compares section texts, ids, keyword terms and key sections exactly, numbers
    within their tolerance; the key sections must match when ``score_margin > 2 * score_abs``.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.scaffold.contract import ModelContract
from edgekit.scaffold.golden.run import run_model
from edgekit.scaffold.golden.text_common import (
    SCHEMA_VERSION,
    float_list,
    model_inputs,
    tokenizer_cases,
    tokenizer_for,
)
from edgekit.version import __version__

__all__ = [
    "TRANSCRIPT",
    "SENTENCES_PER_SECTION",
    "MIN_TERM_CHARS",
    "KEYWORDS_PER_SECTION",
    "KEY_FRACTION",
    "Keyword",
    "split_sections",
    "terms",
    "keywords",
    "centrality",
    "key_sections",
    "stop_words",
    "make_golden",
]

SENTENCES_PER_SECTION = 4
MIN_TERM_CHARS = 3
KEYWORDS_PER_SECTION = 3
KEY_FRACTION = 0.25
EMBEDDING_ABS = 1e-4
SCORE_ABS = 1e-4
KEYWORD_SCORE_ABS = 1e-9
STOP_WORDS_FILE = "web/smart-scroll/src/stopwords.txt"  # in edgekit's template folder

_PARAGRAPH_BREAK = re.compile(r"\r?\n[ \t]*\r?\n")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[ \t\r\n]+")
_TRIM = " \t\r\n"

TRANSCRIPT = """\
Good evening, and thanks for coming out in the rain. Tonight I want to walk you through a year of \
keeping bees on the roof of our community library, what went well, what went badly, and what the \
hives taught us about the neighbourhood.

We started with two colonies in April. Each hive is a stack of wooden boxes: a brood box at the \
bottom where the queen lays eggs, and shallower supers above where the workers store surplus honey. \
A queen excluder between them keeps the brood out of the honey.

The first surprise was forage. We expected the bees to work the park, but the pollen they carried \
home was bright orange and grey, which told us they were visiting the lime trees along the canal and \
the ivy on the railway embankment, nearly two kilometres away.

In July one colony swarmed. Half the bees left with the old queen and hung in a cluster from a lamp \
post outside the bakery. A beekeeper from the allotments helped us shake the cluster into a \
cardboard box, and by evening the swarm was housed in a spare hive.

Harvest came in late August. We lifted the capped frames, sliced off the wax cappings with a warm \
knife and spun the frames in a borrowed extractor. After straining, the two hives gave us thirty-one \
jars of a dark, minty honey that sold out at the library fair in an afternoon.

Winter is the real test. We left each colony at least fifteen kilograms of its own stores, fitted \
mouse guards over the entrances and checked the weight of the hives by hefting them once a \
fortnight. Both colonies came through, though one was much weaker by March.

Next year we want to add a pollinator strip of native wildflowers along the library fence, run \
weekend sessions for schools, and keep careful records of mite counts so that any treatment we use \
is based on evidence rather than habit.
"""


@dataclass(frozen=True)
class Keyword:
    """A section keyword and its TF-IDF score."""

    term: str
    score: float


def stop_words() -> frozenset[str]:
    """The stop-word list the apps ship (``src/stopwords.txt`` of the smart-scroll template)."""
    from edgekit.scaffold.render import templates_dir

    text = (templates_dir() / STOP_WORDS_FILE).read_text(encoding="utf-8")
    return parse_stop_words(text)


def parse_stop_words(text: str) -> frozenset[str]:
    """One word a line; blank lines and lines starting with ``#`` are skipped."""
    lines = (line.strip(_TRIM) for line in text.split("\n"))
    return frozenset(line for line in lines if line and not line.startswith("#"))


def split_sections(transcript: str) -> list[str]:
    """Paragraphs, or groups of :data:`SENTENCES_PER_SECTION` sentences when there is only one."""
    paragraphs = _trimmed(_PARAGRAPH_BREAK.split(transcript))
    if len(paragraphs) != 1:
        return paragraphs
    sentences = _trimmed(_SENTENCE_BREAK.split(paragraphs[0]))
    return [
        " ".join(sentences[i : i + SENTENCES_PER_SECTION])
        for i in range(0, len(sentences), SENTENCES_PER_SECTION)
    ]


def terms(section: str, stop: frozenset[str]) -> list[str]:
    """The section's terms, in order (see the module docstring for the rule)."""
    found, current = [], []
    for char in section.lower() + " ":
        if unicodedata.category(char)[0] in "LN":
            current.append(char)
            continue
        if current:
            found.append("".join(current))
            current = []
    return [t for t in found if len(t) >= MIN_TERM_CHARS and t not in stop
            and not all(unicodedata.category(c)[0] == "N" for c in t)]


def keywords(
    sections_terms: Sequence[Sequence[str]], per_section: int = KEYWORDS_PER_SECTION
) -> list[list[Keyword]]:
    """The best ``per_section`` TF-IDF terms of each section (score descending, then term)."""
    total = len(sections_terms)
    document_frequency = Counter(term for section in sections_terms for term in set(section))
    result = []
    for section in sections_terms:
        counts = Counter(section)
        scored = [
            Keyword(
                term, (count / len(section)) * (math.log((1 + total) / (1 + document_frequency[term])) + 1)
            )
            for term, count in counts.items()
        ]
        scored.sort(key=lambda k: (-k.score, k.term))
        result.append(scored[:per_section])
    return result


def centrality(embeddings: np.ndarray) -> np.ndarray:
    """Cosine similarity of each (L2-normalised) row to the mean of all rows; 0 when the mean is 0."""
    rows = np.asarray(embeddings, dtype=np.float64)
    mean = rows.mean(axis=0)
    norm = float(np.sqrt(np.sum(mean * mean)))
    if norm == 0.0:
        return np.zeros(len(rows))
    return np.array([float(np.sum(row * mean)) / norm for row in rows])


def key_sections(scores: Sequence[float], fraction: float = KEY_FRACTION) -> list[int]:
    """Positions of the ``ceil(N * fraction)`` best scores, best first; ties go to the earlier section."""
    count = math.ceil(len(scores) * fraction)
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:count]


def make_golden(contract: ModelContract, binding: dict[str, Any], dest: Path) -> dict[str, Any]:
    """Write ``transcript.txt`` and ``expected.json`` (see the module docstring) into ``dest``."""
    text, embedding_role = binding["text"], binding["embedding"]
    tokenizer = tokenizer_for(text)
    sections = split_sections(TRANSCRIPT)
    stop = stop_words()
    section_keywords = keywords([terms(s, stop) for s in sections])
    encoded = [tokenizer.encode_pieces(tokenizer.pieces(s), text.seq_len) for s in sections]
    embeddings = np.stack([_embed(contract, text, embedding_role, e) for e in encoded])
    scores = centrality(embeddings)
    keys = key_sections(list(scores))
    others = [scores[i] for i in range(len(sections)) if i not in keys]
    margin = round(float(min(scores[keys]) - max(others)), 8) if others else None
    expected = {
        "schema_version": SCHEMA_VERSION,
        "task": "smart-scroll",
        "edgekit_version": __version__,
        "model_sha256": contract.sha256,
        "seq_len": text.seq_len,
        "dim": embedding_role.dim,
        "rules": {
            "sentences_per_section": SENTENCES_PER_SECTION,
            "min_term_chars": MIN_TERM_CHARS,
            "keywords_per_section": KEYWORDS_PER_SECTION,
            "key_fraction": KEY_FRACTION,
        },
        "sections": [
            {
                "text": section,
                "input_ids": enc.ids,
                "keywords": [{"term": k.term, "score": k.score} for k in kws],
                "score": round(float(score), 8),
                "embedding": float_list(vector),
            }
            for section, enc, kws, score, vector in zip(
                sections, encoded, section_keywords, scores, embeddings, strict=False
            )
        ],
        "key_sections": keys,
        "score_margin": margin,
        "tokenizer_cases": tokenizer_cases(tokenizer),
        "tolerance": {
            "embedding_abs": EMBEDDING_ABS,
            "score_abs": SCORE_ABS,
            "keyword_score_abs": KEYWORD_SCORE_ABS,
        },
    }
    (dest / "transcript.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (dest / "expected.json").write_text(
        json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return {"input": "transcript.txt", "expected": "expected.json", "sections": len(sections),
            "tolerance": expected["tolerance"]}


def _embed(contract: ModelContract, text: Any, role: Any, encoded: Any) -> np.ndarray:
    output = run_model(contract, model_inputs(text, encoded))[role.tensor.key].astype(np.float64)
    if role.pooled:
        vector = output.reshape(-1)
    else:
        mask = np.array(encoded.mask, dtype=np.float64)
        tokens = output.reshape(len(mask), -1)
        vector = (tokens * mask[:, None]).sum(axis=0) / max(float(mask.sum()), 1e-9)
    return vector / max(float(np.sqrt(np.sum(vector * vector))), 1e-12)


def _trimmed(parts: Sequence[str]) -> list[str]:
    return [part.strip(_TRIM) for part in parts if part.strip(_TRIM)]
