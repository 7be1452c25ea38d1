"""The `tutorbot` command: the terminal tutor, and the tools for content authors.

    tutorbot play [--tutorial ID] [--user NAME] [--db URL]
    tutorbot progress [--user NAME] [--db URL] [--json]
    tutorbot content check [PATH]
    tutorbot content show TUTORIAL_ID [--json]
    tutorbot content schema [--out FOLDER]
    tutorbot design TUTORIAL_ID [--json]
    tutorbot answer CHECKPOINT_ID [ANSWER] [--json]
    tutorbot simulate TUTORIAL_ID (--reference | --design FILE) [--peak | --load FACTOR]
                      [--fail COMPONENT[:N]] [--json] [--chart FILE.png]
    tutorbot draw TUTORIAL_ID (--reference | --design FILE) [--simulate] -o FILE.png
    tutorbot telegram [--db URL] [--webhook URL --listen ADDR --port N --secret S] [--check]
    tutorbot discord [--db URL] [--shard-count N --shard-ids IDS] [--message-content MODE]
                     [--check]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters import service
from tutorbot.content.loader import Content, load_content

if TYPE_CHECKING:
    from tutorbot.engine.ports import ProgressRecord
    from tutorbot.store import Store
from tutorbot.content.models import Tutorial
from tutorbot.errors import ContentError, InputError, TutorbotError

if TYPE_CHECKING:
    from tutorbot.design.graph import Design


class CommandLineError(TutorbotError):
    """What the command line asked for cannot be done; the message says why."""


def main(argv: Sequence[str] | None = None) -> int:
    level = os.environ.get("TUTORBOT_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else "WARNING",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    parser = _parser()
    args = parser.parse_args(argv)
    if args.run is None:
        parser.print_help()
        return 2
    try:
        code: int = args.run(args)
    except (ContentError, CommandLineError) as error:
        print(f"tutorbot: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutorbot", description="A system-design tutor that lives in chat."
    )
    parser.add_argument(
        "--content", type=Path, metavar="FOLDER",
        help="content folder to use instead of the shipped lessons",
    )
    parser.set_defaults(run=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    content = commands.add_parser("content", help="check, show and describe lessons")
    content.set_defaults(run=lambda _: _help(content))
    content_commands = content.add_subparsers(title="content commands", metavar="ACTION")
    check = content_commands.add_parser(
        "check", help="validate the lessons; exit 1 with every problem on stderr"
    )
    check.add_argument("path", nargs="?", type=Path,
                       help="a content folder or one tutorial file (default: shipped)")
    check.set_defaults(run=_content_check)
    show = content_commands.add_parser("show", help="print one validated tutorial")
    show.add_argument("tutorial_id")
    show.add_argument("--json", action="store_true", help="the whole tutorial as JSON")
    show.set_defaults(run=_content_show)
    schema = content_commands.add_parser(
        "schema", help="write the JSON Schemas of the content format for editors"
    )
    schema.add_argument("--out", type=Path, metavar="FOLDER",
                        help="folder for the schema files (default: print the "
                             "tutorial schema)")
    schema.set_defaults(run=_content_schema)

    design = commands.add_parser(
        "design", help="apply design commands from stdin to a fresh design"
    )
    design.add_argument("tutorial_id")
    design.add_argument("--json", action="store_true",
                        help="one JSON object per command, then the tier status")
    design.set_defaults(run=_design)

    answer = commands.add_parser(
        "answer", help="judge answers to one checkpoint, as a learner would be judged"
    )
    answer.add_argument("checkpoint_id")
    answer.add_argument("answer", nargs="?",
                        help="the answer; without it, one answer per line from stdin")
    answer.add_argument("--json", action="store_true",
                        help='one {"correct", "read_as", "slip", "message"} per answer')
    answer.set_defaults(run=_answer)

    simulate = commands.add_parser(
        "simulate", help="run a design under the tutorial's traffic: load, latency, cost"
    )
    _design_source(simulate)
    load = simulate.add_mutually_exclusive_group()
    load.add_argument("--peak", action="store_true", help="the tutorial's peak traffic")
    load.add_argument("--load", metavar="FACTOR", help="traffic times FACTOR: 2, 1.5x, 150%%")
    simulate.add_argument("--fail", metavar="COMPONENT[:N]",
                          help="N instances of COMPONENT fail (all of them without :N)")
    simulate.add_argument("--json", action="store_true", help="the results as JSON")
    simulate.add_argument("--chart", type=Path, metavar="FILE.png",
                          help="also draw each component's utilisation as a bar chart")
    simulate.set_defaults(run=_simulate)

    draw = commands.add_parser("draw", help="draw a design as a PNG picture")
    _design_source(draw)
    draw.add_argument("--simulate", action="store_true",
                      help="tint each component by its load under normal traffic")
    draw.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.png")
    draw.set_defaults(run=_draw)

    play = commands.add_parser("play", help="learn in the terminal (reads stdin when piped)")
    play.add_argument("--tutorial", metavar="ID", help="open this tutorial first")
    _learner_options(play)
    play.set_defaults(run=_play)

    progress = commands.add_parser("progress", help="a learner's progress in each tutorial")
    _learner_options(progress)
    progress.add_argument("--json", action="store_true", help="the progress as JSON")
    progress.set_defaults(run=_progress)

    from adapters.discord_bot import add_command as add_discord
    from adapters.telegram import add_command as add_telegram

    add_telegram(commands)
    add_discord(commands)
    return parser


def _design_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("tutorial_id")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--reference", action="store_true",
                        help="the tutorial's reference design")
    source.add_argument("--design", type=Path, metavar="FILE",
                        help="design commands, one per line ('-' for stdin)")


def _learner_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", default=_default_user(), metavar="NAME",
                        help="who is learning (default: your login name)")
    service.database_option(parser)


def _default_user() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "learner"


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _content(args: argparse.Namespace) -> Content:
    return load_content(args.content)


def _content_check(args: argparse.Namespace) -> int:
    from tutorbot.checker import check, describe

    path = args.path if args.path is not None else args.content
    problems = check(path)
    if problems:
        print(describe(problems), file=sys.stderr)
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    content = load_content(path) if path is None or path.is_dir() else None
    count = f"{len(content.tutorials)} tutorials" if content else "the tutorial"
    print(f"Content is valid: {count} checked.")
    return 0


def _content_show(args: argparse.Namespace) -> int:
    tutorial = _content(args).tutorial(args.tutorial_id)
    if args.json:
        _print_json(tutorial.model_dump(mode="json", by_alias=True), indent=2)
    else:
        print(_overview(tutorial))
    return 0


def _overview(tutorial: Tutorial) -> str:
    lines = [f"{tutorial.emoji} {tutorial.title} ({tutorial.id}, {tutorial.difficulty})",
             tutorial.goal, "", "Tiers:"]
    for tier in tutorial.tiers:
        lines.append(f"  {tier.id} {tier.emoji} {tier.title}")
    lines += ["", "Steps and checkpoints:"]
    for step in tutorial.lesson.steps:
        lines.append(f"  {step.id} {step.title}")
        lines.extend(f"    {cp.id}: {cp.question}" for cp in step.checkpoints)
    return "\n".join(lines)


def _content_schema(args: argparse.Namespace) -> int:
    from tutorbot.content.schema import schemas

    documents = schemas()
    if args.out is None:
        _print_json(documents["tutorial.schema.json"], indent=2)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, document in documents.items():
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name}")
    return 0


def _design(args: argparse.Namespace) -> int:
    from tutorbot.design import commands, tiers
    from tutorbot.design.graph import Design

    content = _content(args)
    tutorial = content.tutorial(args.tutorial_id)
    palette = commands.Palette.for_tutorial(content.catalogue, tutorial)
    design = Design()
    for line in _stdin_lines():
        outcome = commands.run(design, palette, line)
        if args.json:
            _print_json({"command": outcome.command, "ok": outcome.ok,
                         "changed": outcome.changed, "message": outcome.message})
        else:
            print(("" if outcome.ok else "✗ ") + outcome.message, flush=True)
    report = tiers.evaluate(design, tutorial.tiers, content.catalogue)
    if args.json:
        _print_json({"tiers": [
            {"id": result.tier.id, "passed": result.passed, "missing": result.missing}
            for result in report.tiers
        ]})
    else:
        print(report.describe())
    return 0


def _chosen_design(args: argparse.Namespace) -> tuple[Content, Tutorial, Design]:
    """The tutorial and the design the arguments name: its reference, or a file."""
    from tutorbot.design import commands

    content = _content(args)
    tutorial = content.tutorial(args.tutorial_id)
    palette = commands.Palette.for_tutorial(content.catalogue, tutorial)
    if args.reference:
        lines = commands.commands_for(tutorial.reference)
    elif str(args.design) == "-":
        lines = list(_stdin_lines(keep_blank=True))
    else:
        try:
            lines = args.design.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as error:
            raise CommandLineError(f"cannot read {args.design}: {error.strerror}") from error
    try:
        return content, tutorial, commands.build(palette, lines)
    except InputError as error:
        raise CommandLineError(f"{args.design}: {error}") from error


def _simulate(args: argparse.Namespace) -> int:
    from tutorbot.design import simulate

    content, tutorial, design = _chosen_design(args)
    try:
        load = simulate.parse_load(args.load) if args.load is not None else 1.0
        failure = simulate.parse_failure(args.fail) if args.fail is not None else None
        result = simulate.simulate(design, tutorial, content.catalogue, load=load,
                                   peak=args.peak, fail=failure)
    except simulate.SimulationError as error:
        raise CommandLineError(str(error)) from error
    if args.chart is not None:
        from tutorbot.render import utilisation_chart

        rows = [(c.id, c.utilisation) for c in result.components if c.utilisation is not None]
        _write(args.chart, utilisation_chart(rows, title=f"{tutorial.title}: {result.phase}"))
    if args.json:
        _print_json(result.to_json(), indent=2)
    else:
        print(result.describe())
        if args.chart is not None:
            print(f"Chart saved: {args.chart}")
    return 0


def _draw(args: argparse.Namespace) -> int:
    from tutorbot.design import simulate
    from tutorbot.design.commands import commands_for
    from tutorbot.engine.messages import Drawing
    from tutorbot.engine.pictures import draw

    content, tutorial, design = _chosen_design(args)
    drawing = Drawing(tutorial.id, tuple(commands_for(design)),
                      "simulate" if args.simulate else "")
    try:
        image = draw(content, drawing)
    except simulate.SimulationError as error:
        raise CommandLineError(str(error)) from error
    _write(args.output, image.data)
    print(image.text)
    print(f"Picture saved: {args.output}")
    return 0


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as error:
        raise CommandLineError(f"cannot write {path}: {error.strerror}") from error


def _answer(args: argparse.Namespace) -> int:
    from tutorbot.answers.judge import judge

    _, checkpoint = _content(args).checkpoint(args.checkpoint_id)
    answers = [args.answer] if args.answer is not None else _stdin_lines(keep_blank=True)
    for text in answers:
        verdict = judge(checkpoint, text.rstrip("\n"))
        if args.json:
            _print_json(verdict.as_json())
        else:
            print(verdict.message, flush=True)
    return 0


def _play(args: argparse.Namespace) -> int:
    from adapters.console import play
    from tutorbot.engine.engine import Engine

    content = _content(args)
    if args.tutorial is not None:
        content.tutorial(args.tutorial)  # an unknown id is refused with the closest
    store = _store(args.db)
    try:
        if isinstance(sys.stdin, io.TextIOWrapper):
            sys.stdin.reconfigure(errors="replace")
        play(Engine(content, store), args.user, args.tutorial)
    finally:
        store.close()
    return 0


def _progress(args: argparse.Namespace) -> int:
    content = _content(args)
    store = _store(args.db)
    try:
        records = {r.tutorial_id: r for r in store.progress_of("console", args.user)}
    finally:
        store.close()
    rows: list[dict[str, Any]] = []
    for tutorial in content.tutorials.values():
        record = records.get(tutorial.id)
        rows.append({
            "id": tutorial.id,
            "step": _current_step(record, len(tutorial.lesson.steps)),
            "steps": len(tutorial.lesson.steps),
            "tiers_passed": record.tiers_passed if record else [],
            "completed": bool(record and record.completed_at),
        })
    if args.json:
        _print_json({"tutorials": rows})
    else:
        for row in rows:
            state = "done" if row["completed"] else f"step {row['step']} of {row['steps']}"
            print(f"{row['id']}: {state}, tiers {', '.join(row['tiers_passed']) or 'none'}")
    return 0


def _current_step(record: ProgressRecord | None, steps: int) -> int:
    """The step a learner is on, counted from 1; 0 before they start."""
    if record is None or record.started_at is None:
        return 0
    return min(record.step + 1, steps)


def _store(url: str | None) -> Store:
    from tutorbot.store import Store, database_url

    store = Store(database_url(url))
    store.migrate()
    return store


def _stdin_lines(keep_blank: bool = False) -> Iterator[str]:
    """Input lines, read lazily so an interactive session answers each at once."""
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")  # junk bytes are text we refuse
    return (line for line in sys.stdin if keep_blank or line.strip())


def _print_json(document: Any, indent: int | None = None) -> None:
    print(json.dumps(document, indent=indent, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
