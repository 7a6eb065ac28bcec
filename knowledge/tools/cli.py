"""`imgbot`: the assistant's command line (ask, chat, validate, index, eval, bench, report)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from embeddings.encoder import EncoderError
from knowledge.answer.settings import EngineSettings
from knowledge.loader import KnowledgeError, load

if TYPE_CHECKING:
    from knowledge.answer.engine import AnswerEngine

BATCH = 64


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="imgbot: %(levelname)s: %(message)s")
    settings = EngineSettings.from_env()
    command: Callable[[argparse.Namespace, EngineSettings], int] = args.run
    try:
        return command(args, settings)
    except (KnowledgeError, EncoderError, OSError, ValueError) as exc:
        print(f"imgbot: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imgbot", description="Answers IMGs' questions about US externships, with sources."
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    ask = sub.add_parser("ask", help="answer a question ('-' with --json: one per stdin line)")
    ask.add_argument("question", nargs="+", help="the question, or '-' to read stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.set_defaults(run=cmd_ask)
    sub.add_parser("chat", help="talk to the assistant in the terminal").set_defaults(run=cmd_chat)
    sub.add_parser("validate", help="check the knowledge base").set_defaults(run=cmd_validate)
    sub.add_parser("index", help="build or refresh the embedding cache").set_defaults(run=cmd_index)
    ev = sub.add_parser("eval", help="score evaluation files against the engine and baselines")
    ev.add_argument("files", nargs="+", type=Path)
    ev.add_argument(
        "--unseen",
        action="store_true",
        help="refit the scope model and the ranker without these questions first (for sets they"
        " learned from)",
    )
    ev.add_argument(
        "--unseen-sites",
        action="store_true",
        help="as --unseen, and without every question learned from the same sites (stricter)",
    )
    ev.add_argument(
        "--each",
        action="store_true",
        help="the engine's counts per file and in all (with --unseen, each file refitted"
        " without itself alone): the measure a round tunes on",
    )
    ev.add_argument(
        "--seeds",
        type=int,
        default=1,
        metavar="N",
        help="with --each, the totals again under N seeds of the ranker: its spread",
    )
    ev.add_argument(
        "--agreement",
        action="store_true",
        help="how often in-scope questions that read alike carry agreeing labels (a ceiling)",
    )
    ev.add_argument(
        "--readers",
        type=Path,
        metavar="FILE",
        help="careful readers' labels from the text alone, scored beside the engine on the same"
        " questions of FILES (how far reading only the question can go)",
    )
    ev.set_defaults(run=cmd_eval)
    bench = sub.add_parser("bench", help="measure latency, cold start, memory and answer() scaling")
    bench.add_argument("--quick", action="store_true", help="fewer repetitions")
    bench.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object with every figure (progress goes to stderr)",
    )
    bench.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        metavar="N,N,...",
        help="knowledge-base sizes for answer() scaling (default 100,10000,100000)",
    )
    bench.set_defaults(run=cmd_bench)
    report = sub.add_parser(
        "report", help="unanswered questions and negative feedback as YAML, for new FAQ entries"
    )
    period = report.add_mutually_exclusive_group()
    period.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="from this day (UTC)")
    period.add_argument("--days", type=_positive, metavar="N", help="the last N days")
    report.add_argument("--out", type=Path, metavar="FILE", help="write here, not to stdout")
    report.set_defaults(run=cmd_report)
    return parser


def _engine(settings: EngineSettings) -> AnswerEngine:
    # Imported here so `validate` and `--help` answer without loading the model.
    from knowledge.answer.build import build_engine

    return build_engine(settings)


def cmd_ask(args: argparse.Namespace, settings: EngineSettings) -> int:
    """Answer one question, or every stdin line with `-`."""
    from knowledge.present.formats import TEXT
    from knowledge.present.replies import Presenter

    engine = _engine(settings)
    present = Presenter(engine.kb, TEXT)
    if args.question == ["-"]:
        for batch in _batches(line.rstrip("\n") for line in sys.stdin):
            for answer in engine.answer_many(batch):
                if args.json:
                    print(json.dumps(answer.to_json(), ensure_ascii=False), flush=False)
                else:
                    print(present.reply(answer).text, end="\n\n")
            sys.stdout.flush()
        return 0
    answer = engine.answer(" ".join(args.question))
    print(
        json.dumps(answer.to_json(), ensure_ascii=False)
        if args.json
        else present.reply(answer).text
    )
    return 0


def cmd_chat(args: argparse.Namespace, settings: EngineSettings) -> int:
    """A terminal conversation; a number opens one of the items last listed."""
    from knowledge.tools.chat import Chat

    print("Loading the assistant…", file=sys.stderr)
    engine = _engine(settings)
    s = engine.stats
    print(f"(embedding cache: encoded {s.encoded} texts, reused {s.reused})", file=sys.stderr)
    Chat(engine).run(sys.stdin, sys.stdout)
    return 0


def cmd_validate(args: argparse.Namespace, settings: EngineSettings) -> int:
    kb = load(settings.data_dir)
    print(f"ok: {len(kb.programs)} programs, {len(kb.faqs)} FAQ entries in {settings.data_dir}")
    return 0


def cmd_index(args: argparse.Namespace, settings: EngineSettings) -> int:
    engine = _engine(settings)
    s = engine.stats
    rebuilt = " (the old cache was invalid and was rebuilt)" if s.rebuilt else ""
    print(f"embedding cache: encoded {s.encoded} texts, reused {s.reused}{rebuilt}")
    return 0


def cmd_eval(args: argparse.Namespace, settings: EngineSettings) -> int:
    from knowledge.tools.evaluation import (
        EvalFileError,
        agreement,
        each_file,
        from_same_sites,
        load_cases,
        report,
    )
    from knowledge.tools.readers import load_readings, readers_report

    if args.seeds < 1 or (args.seeds > 1 and not args.each):
        raise ValueError("--seeds takes a count of at least 1, and only with --each")
    try:  # every file is read before the engine is built: a bad one fails fast
        sets = [(Path(path).name, load_cases([path])) for path in args.files]
        names, readings = load_readings(args.readers) if args.readers else ([], [])
    except EvalFileError as exc:
        raise ValueError(str(exc)) from None
    cases = [case for _, cases_of_file in sets for case in cases_of_file]
    engine = _engine(settings)
    unseen = args.unseen or args.unseen_sites
    if args.agreement:
        print(agreement(engine, cases))
        return 0
    if args.readers:
        print(readers_report(engine, sets, names, readings, unseen, args.unseen_sites))
        return 0
    if args.each:
        print(each_file(engine, sets, unseen, args.unseen_sites, args.seeds))
        return 0
    if unseen:
        same_sites = from_same_sites(cases, engine.kb.asked) if args.unseen_sites else []
        engine = engine.without_examples([c.q for c in cases] + same_sites)
    print(report(engine, cases))
    return 0


def cmd_bench(args: argparse.Namespace, settings: EngineSettings) -> int:
    from knowledge.tools.bench import SIZES, run

    sizes = args.sizes or SIZES
    run(settings, quick=args.quick, out=sys.stdout, as_json=args.json, sizes=sizes)
    return 0


def cmd_report(args: argparse.Namespace, settings: EngineSettings) -> int:
    """Unanswered questions and 👎/reports from the bot's store, as YAML (see report.py)."""
    from knowledge.tools.report import run

    return run(day=args.since, days=args.days, out=args.out)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number of days: {text!r}")
    return int(text)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive: {text!r}")
    return sizes


def _batches(lines: Iterable[str], size: int = BATCH) -> Iterable[list[str]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


if __name__ == "__main__":
    sys.exit(main())
