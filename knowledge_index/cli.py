"""`python -m knowledge_index build | search | calibrate`; defaults come from config.yml."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from knowledge_index import calibration
from knowledge_index.articles import ArticleError
from knowledge_index.builder import BuildReport, build_configured, build_index
from knowledge_index.config_file import write_answer_threshold
from knowledge_index.evaluation import load_calibration_set, unknown_articles
from knowledge_index.search import KnowledgeIndex
from knowledge_index.store import BuildInProgressError, IndexUnavailableError
from tandem.config import REPO_ROOT, config_path, settings

CALIBRATION_DATA = Path("benchmarks/data/kb_calibration.yml")
# Rows printed in the calibration table; the choice itself is made on a 0.01 grid.
TABLE_STEP = 0.05


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ArticleError, IndexUnavailableError, BuildInProgressError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m knowledge_index", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="index new and changed articles, drop deleted ones")
    _add_dirs(build, articles=True)
    build.set_defaults(handler=_build)

    search = commands.add_parser("search", help="show the best articles for a question")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=None, help="number of articles (default: knowledge.top_k)")
    _add_dirs(search, articles=False)
    search.set_defaults(handler=_search)

    calibrate = commands.add_parser("calibrate", help="choose knowledge.answer_threshold from labelled data")
    calibrate.add_argument("--data", type=Path, default=REPO_ROOT / CALIBRATION_DATA)
    calibrate.add_argument("--dry-run", action="store_true", help="print the choice, leave config.yml alone")
    _add_dirs(calibrate, articles=True)
    calibrate.set_defaults(handler=_calibrate)
    return parser


def _add_dirs(parser: argparse.ArgumentParser, *, articles: bool) -> None:
    if articles:
        parser.add_argument("--articles-dir", type=Path, help="default: knowledge.articles_dir")
    parser.add_argument("--index-dir", type=Path, help="default: knowledge.index_dir")


def _articles_dir(args: argparse.Namespace) -> Path:
    return args.articles_dir or settings().resolve(settings().knowledge.articles_dir)


def _index_dir(args: argparse.Namespace) -> Path:
    return args.index_dir or settings().resolve(settings().knowledge.index_dir)


def _run_build(args: argparse.Namespace, *, progress: bool) -> BuildReport:
    started = time.perf_counter()
    if args.articles_dir is None and args.index_dir is None:
        report = build_configured(settings(), progress=progress)
    else:  # another knowledge base: config.yml's customer questions are labelled for this one
        report = build_index(_articles_dir(args), _index_dir(args), progress=progress)
    print(f"index {_index_dir(args)} from {_articles_dir(args)} in {time.perf_counter() - started:.1f} s")
    print("\n".join(report.lines()))
    return report


def _build(args: argparse.Namespace) -> int:
    _run_build(args, progress=True)
    return 0


def _search(args: argparse.Namespace) -> int:
    index = KnowledgeIndex.load(_index_dir(args))
    hits = index.search(args.query, args.k or settings().knowledge.top_k)
    for rank, hit in enumerate(hits, start=1):
        where = f"{hit.title} › {hit.section}" if hit.section else hit.title
        print(f"{rank}. {hit.score:.3f}  {where}  [{hit.article}]")
        print(f"   {hit.snippet}")
    threshold = settings().knowledge.answer_threshold
    verdict = "answers" if hits and hits[0].score >= threshold else "does not answer"
    print(f"answer threshold {threshold:.2f}: the bot {verdict} this from the knowledge base")
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    # Calibrate against the current articles, not whatever was indexed last.
    _run_build(args, progress=False)
    index = KnowledgeIndex.load(_index_dir(args))
    questions = load_calibration_set(args.data)
    missing = unknown_articles(questions, index.slugs)
    if missing:
        raise ValueError(f"{args.data} names articles that are not in the index: {', '.join(missing)}")
    results = calibration.outcomes(questions, lambda text: index.search(text, 1))
    chosen = calibration.choose(results, calibration.grid())
    shown = sorted({*calibration.grid(TABLE_STEP), chosen.threshold})
    answerable = sum(q.article is not None for q in questions)
    print(
        f"\n{answerable} answerable and {len(questions) - answerable} unanswerable questions from {args.data}"
    )
    print("\n".join(calibration.table([calibration.evaluate(results, t) for t in shown], chosen)))
    print(f"\nchosen threshold {chosen.threshold:.2f}: F1 {chosen.f1:.3f}, accuracy {chosen.accuracy:.3f}")
    if args.dry_run:
        return 0
    data = args.data.resolve()
    shown_data = data.relative_to(REPO_ROOT) if data.is_relative_to(REPO_ROOT) else data
    comment = (
        f"from `python -m knowledge_index calibrate` on {shown_data} ({answerable} answerable, "
        f"{len(questions) - answerable} unanswerable; F1 {chosen.f1:.3f}, {date.today().isoformat()})"
    )
    write_answer_threshold(config_path(), chosen.threshold, comment)
    print(f"wrote tandem.knowledge.answer_threshold: {chosen.threshold:.2f} to {config_path()}")
    return 0
