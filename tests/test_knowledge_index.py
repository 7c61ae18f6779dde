"""The knowledge index end to end on tiny article sets: real MiniLM, real FAISS, real files."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
import torch

from knowledge_index import KnowledgeIndex, build_index, store
from knowledge_index.articles import ArticleError
from knowledge_index.cli import main
from knowledge_index.embedder import MiniLMEmbedder, load_minilm
from knowledge_index.search import IndexIncompatibleError
from knowledge_index.store import CURRENT_FILE, INDEX_FILE, META_FILE, IndexCorruptError, IndexNotBuiltError
from tandem.config import REPO_ROOT, settings

BUILD_COMMAND = "python -m knowledge_index build"

ARTICLES = {
    "card-activation": (
        "Activating your new card",
        {
            "Activate your card in the app": "Open the app, tap Cards, select the new card and tap Activate. "
            "Enter the last four digits printed on the card.",
            "Your first chip-and-PIN payment": "Contactless is switched on after your first payment with chip "
            "and PIN, in a shop or at a cash machine.",
        },
    ),
    "topup-failed": (
        "My top-up failed",
        {
            "Why a top-up can fail": "Top-ups fail when the debit card has expired, the other bank declined "
            "the payment, or you reached your top-up limit.",
        },
    ),
    "branch-hours": (
        "Branch opening hours",
        {
            "Weekdays": "Branches open from 9:00 to 17:00 Monday to Friday.",
            "Saturday": "Larger branches open on Saturday from 9:00 to 13:00.",
        },
    ),
}


def article_text(title: str, sections: dict[str, str]) -> str:
    body = "\n\n".join(f"## {heading}\n{text}" for heading, text in sections.items())
    return f"---\ntitle: {title}\ntags: [help]\n---\n# {title}\n\nIntro to {title.lower()}.\n\n{body}\n"


def write_article(folder: Path, slug: str, title: str, sections: dict[str, str]) -> None:
    (folder / f"{slug}.md").write_text(article_text(title, sections), encoding="utf-8")


class CountingEmbedder:
    """The real model, recording every text it is asked to embed."""

    def __init__(self, inner: MiniLMEmbedder) -> None:
        self._inner = inner
        self.texts: list[str] = []

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dim(self) -> int:
        return self._inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self._inner.embed(texts)


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    return load_minilm(settings().threads.torch)


@pytest.fixture
def embedder(minilm: MiniLMEmbedder) -> CountingEmbedder:
    return CountingEmbedder(minilm)


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for slug, (title, sections) in ARTICLES.items():
        write_article(folder, slug, title, sections)
    return folder


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def built(articles_dir: Path, index_dir: Path, minilm: MiniLMEmbedder) -> Path:
    build_index(articles_dir, index_dir, minilm)
    return index_dir


def cosines(index: KnowledgeIndex, query: str) -> dict[str, float]:
    dense, _ = index.dense_and_lexical(query)
    return {chunk.id: float(score) for chunk, score in zip(index.chunks, dense, strict=True)}


def titles_of(texts: Sequence[str]) -> set[str]:
    return {text.split("\n", 1)[0].split(" — ")[0] for text in texts}


def test_model_runs_with_the_configured_torch_threads(minilm: MiniLMEmbedder) -> None:
    assert torch.get_num_threads() == settings().threads.torch
    vectors = minilm.embed(["hello", "how do I activate my card"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_first_build_embeds_every_chunk(
    articles_dir: Path, index_dir: Path, embedder: CountingEmbedder
) -> None:
    report = build_index(articles_dir, index_dir, embedder)
    assert report.added == ("branch-hours", "card-activation", "topup-failed")
    assert report.written and report.full_rebuild_reason is None
    # An intro chunk per article plus one per section: 3 + 2 + 3.
    assert report.chunks_embedded == report.chunks_total == len(embedder.texts) == 8


@pytest.mark.parametrize(
    ("query", "article", "section"),
    [
        (
            "which digits do I enter to activate the card in the app",
            "card-activation",
            "Activate your card in the app",
        ),
        ("are you open on saturdays", "branch-hours", "Saturday"),
        ("why did adding money to my account not work", "topup-failed", "Why a top-up can fail"),
    ],
)
def test_search_ranks_the_right_article_and_section_first(
    built: Path, minilm: MiniLMEmbedder, query: str, article: str, section: str
) -> None:
    hits = KnowledgeIndex.load(built, minilm).search(query, k=3)
    assert (hits[0].article, hits[0].section) == (article, section)
    assert hits[0].title == ARTICLES[article][0]
    assert hits[0].chunk_id.startswith(f"{article}#") and hits[0].snippet


def test_search_returns_one_hit_per_article_best_first(built: Path, minilm: MiniLMEmbedder) -> None:
    index = KnowledgeIndex.load(built, minilm)
    # card-activation has three chunks that all match; it must still appear once.
    hits = index.search("new card activation and chip and PIN", k=10)
    assert sorted(hit.article for hit in hits) == sorted(ARTICLES)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert len(index.search("new card", k=2)) == 2
    assert (index.article_count, index.chunk_count, index.slugs) == (3, 8, frozenset(ARTICLES))


@pytest.mark.parametrize("query", ["", "   ", "\n\t "])
def test_empty_query_is_a_value_error(built: Path, minilm: MiniLMEmbedder, query: str) -> None:
    with pytest.raises(ValueError, match="empty or only whitespace"):
        KnowledgeIndex.load(built, minilm).search(query, k=3)


def test_rebuild_re_embeds_only_the_changed_and_new_articles(
    articles_dir: Path, built: Path, embedder: CountingEmbedder, minilm: MiniLMEmbedder
) -> None:
    before = cosines(KnowledgeIndex.load(built, minilm), "are you open on saturdays")
    title, sections = ARTICLES["card-activation"]
    write_article(
        articles_dir, "card-activation", title, {**sections, "Problems": "Update the app and retry."}
    )
    (articles_dir / "topup-failed.md").unlink()
    write_article(
        articles_dir, "lost-card", "Report a lost card", {"Block it": "Freeze the card in the app."}
    )

    report = build_index(articles_dir, built, embedder)

    assert (report.added, report.updated, report.removed, report.unchanged) == (
        ("lost-card",),
        ("card-activation",),
        ("topup-failed",),
        ("branch-hours",),
    )
    assert titles_of(embedder.texts) == {"Activating your new card", "Report a lost card"}
    assert report.chunks_embedded == len(embedder.texts) == 4 + 2
    index = KnowledgeIndex.load(built, minilm)
    assert index.slugs == {"branch-hours", "card-activation", "lost-card"}
    assert "topup-failed" not in {hit.article for hit in index.search("my top-up failed", k=10)}
    # The unchanged article kept its stored vectors, so its cosines did not move (the fused score
    # does: BM25 statistics and the rivals changed with the other articles).
    after = cosines(index, "are you open on saturdays")
    kept = {chunk_id for chunk_id in before if chunk_id.startswith("branch-hours#")}
    assert kept and {i: after[i] for i in kept} == pytest.approx({i: before[i] for i in kept}, abs=1e-6)


def test_build_without_changes_embeds_and_writes_nothing(
    articles_dir: Path, built: Path, embedder: CountingEmbedder
) -> None:
    current = (built / CURRENT_FILE).read_text()
    report = build_index(articles_dir, built, embedder)
    assert not report.written and report.chunks_embedded == 0 and embedder.texts == []
    assert report.unchanged == tuple(sorted(ARTICLES))
    assert (built / CURRENT_FILE).read_text() == current


def test_missing_index_error_names_the_build_command(tmp_path: Path, minilm: MiniLMEmbedder) -> None:
    with pytest.raises(IndexNotBuiltError, match=BUILD_COMMAND) as raised:
        KnowledgeIndex.load(tmp_path / "never-built", minilm)
    assert "never-built" in str(raised.value)


def generation(index_dir: Path) -> Path:
    return index_dir / (index_dir / CURRENT_FILE).read_text().strip()


@pytest.mark.parametrize(
    ("file", "damage"),
    [
        (INDEX_FILE, lambda data: data[: len(data) // 2]),
        (META_FILE, lambda data: data[:-10]),
        (META_FILE, lambda data: data.replace(b'"format": 1', b'"format": 99')),
    ],
)
def test_corrupt_index_error_names_the_build_command(
    built: Path, minilm: MiniLMEmbedder, file: str, damage: Callable[[bytes], bytes]
) -> None:
    path = generation(built) / file
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(IndexCorruptError, match=BUILD_COMMAND):
        KnowledgeIndex.load(built, minilm)


def test_build_repairs_a_corrupt_index_by_re_embedding_everything(
    articles_dir: Path, built: Path, embedder: CountingEmbedder, minilm: MiniLMEmbedder
) -> None:
    (generation(built) / INDEX_FILE).write_bytes(b"garbage")
    report = build_index(articles_dir, built, embedder)
    assert report.full_rebuild_reason and "unreadable" in report.full_rebuild_reason
    assert report.added == tuple(sorted(ARTICLES)) and len(embedder.texts) == 8
    assert KnowledgeIndex.load(built, minilm).search("saturday opening", k=1)[0].article == "branch-hours"


def test_crash_while_writing_leaves_the_previous_index_in_place(
    articles_dir: Path, built: Path, minilm: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_article(
        articles_dir, "lost-card", "Report a lost card", {"Block it": "Freeze the card in the app."}
    )

    fsync = store._fsync_file

    def crash_on_meta(path: Path) -> None:
        # By now index.faiss is complete in the temp folder and meta.json half-written.
        if path.name == META_FILE:
            raise OSError("disk full")
        fsync(path)

    monkeypatch.setattr(store, "_fsync_file", crash_on_meta)
    with pytest.raises(OSError, match="disk full"):
        build_index(articles_dir, built, minilm)
    monkeypatch.undo()

    assert KnowledgeIndex.load(built, minilm).slugs == frozenset(ARTICLES)
    assert sorted(path.name for path in built.iterdir() if not path.name.startswith("gen-")) == [
        ".build.lock",
        CURRENT_FILE,
    ]


def test_leftovers_of_a_killed_build_are_removed_by_the_next_one(
    articles_dir: Path, built: Path, minilm: MiniLMEmbedder
) -> None:
    leftover = built / ".tmp-killed"
    leftover.mkdir()
    (leftover / INDEX_FILE).write_bytes(b"half")
    write_article(
        articles_dir, "lost-card", "Report a lost card", {"Block it": "Freeze the card in the app."}
    )
    build_index(articles_dir, built, minilm)
    assert not leftover.exists()
    assert len([path for path in built.iterdir() if path.name.startswith("gen-")]) == 2  # current + previous


def test_broken_article_fails_the_build_and_keeps_the_index(
    articles_dir: Path, built: Path, minilm: MiniLMEmbedder
) -> None:
    (articles_dir / "no-front-matter.md").write_text("# Oops\n\n## Section\nText.\n")
    with pytest.raises(ArticleError, match="no-front-matter"):
        build_index(articles_dir, built, minilm)
    assert KnowledgeIndex.load(built, minilm).slugs == frozenset(ARTICLES)


def test_index_built_with_another_model_is_refused(built: Path, minilm: MiniLMEmbedder) -> None:
    class OtherModel(CountingEmbedder):
        @property
        def name(self) -> str:
            return "another-model"

    with pytest.raises(IndexIncompatibleError, match=BUILD_COMMAND):
        KnowledgeIndex.load(built, OtherModel(minilm))


def test_cli_build_and_search(
    articles_dir: Path, index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--articles-dir", str(articles_dir), "--index-dir", str(index_dir)]) == 0
    assert "added       3" in capsys.readouterr().out
    assert (
        main(["search", "when do branches open on saturday", "-k", "2", "--index-dir", str(index_dir)]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert (
        re.match(r"1\. \d\.\d{3}  ", lines[0])
        and "Branch opening hours › Saturday  [branch-hours]" in lines[0]
    )
    assert lines[1].strip() == "Larger branches open on Saturday from 9:00 to 13:00."
    assert lines[2].startswith("2. ") and lines[-1].startswith("answer threshold")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "   ", "--index-dir", "BUILT"], "empty or only whitespace"),
        (["search", "hello", "--index-dir", "/nonexistent/index"], BUILD_COMMAND),
        (["build", "--articles-dir", "/nonexistent/articles", "--index-dir", "BUILT"], "does not exist"),
    ],
)
def test_cli_errors_are_one_clear_line(
    argv: list[str], message: str, built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(built) if arg == "BUILT" else arg for arg in argv]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and message in error


def test_cli_calibrate_writes_the_threshold_to_config(
    articles_dir: Path,
    index_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "calibration.yml"
    data.write_text(
        "answerable:\n"
        "  - {text: how do i activate my new card, article: card-activation}\n"
        "  - {text: what time do branches open on saturday, article: branch-hours}\n"
        "  - {text: my top up did not go through, article: topup-failed}\n"
        "unanswerable:\n"
        "  - {text: can i buy bitcoin}\n"
        "  - {text: what is the weather tomorrow}\n"
    )
    config = tmp_path / "config.yml"
    shutil.copy(REPO_ROOT / "config.yml", config)
    original = config.read_text()
    monkeypatch.setenv("TANDEM_CONFIG", str(config))
    dirs = ["--articles-dir", str(articles_dir), "--index-dir", str(index_dir), "--data", str(data)]

    assert main(["calibrate", "--dry-run", *dirs]) == 0
    out = capsys.readouterr().out
    assert "| threshold | answered |" in out and "**chosen**" in out and "chosen threshold" in out
    assert config.read_text() == original

    assert main(["calibrate", *dirs]) == 0
    chosen = float(capsys.readouterr().out.split("chosen threshold ")[1].split(":")[0])
    line = next(line for line in config.read_text().splitlines() if "answer_threshold:" in line)
    assert line.strip().startswith(
        f"answer_threshold: {chosen:.2f}  # from `python -m knowledge_index calibrate`"
    )
    assert "3 answerable, 2 unanswerable" in line
