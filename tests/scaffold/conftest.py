"""Fixtures the scaffold tests share."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def qa_model(zoo_cache: Path) -> Path:
    """A real BERT-style QA model (MiniLM encoder + seeded span head) with vocab.txt beside it.

    Built once into the test cache (~20 s) from the zoo's pinned MiniLM wheel; see tests/text_models.py.
    """
    from tests import text_models

    return text_models.minilm_qa(zoo_cache)
