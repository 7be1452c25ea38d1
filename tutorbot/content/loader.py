"""Finding, reading and validating the content files.

This is the one place where pydantic's and PyYAML's errors become ours: every
problem is reported as file, path inside the file (`tiers[1].rules[0]`) and a
sentence that says what would fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tutorbot.content.models import RULE_KINDS, Catalogue, Checkpoint, Tutorial
from tutorbot.content.yaml_io import load_yaml
from tutorbot.errors import ContentError, ContentProblem

CATALOGUE_FILE = "components.yaml"
TUTORIALS_DIR = "tutorials"

M = TypeVar("M", bound=BaseModel)


def content_root() -> Path:
    """The shipped content: inside the installed package, or the source checkout's."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_content"
    if installed.is_dir():
        return installed
    return package.parent / "content"


@dataclass(frozen=True)
class Content:
    """The catalogue and the tutorials, each tutorial with the file it came from."""

    catalogue: Catalogue
    tutorials: dict[str, Tutorial]
    files: dict[str, str]

    def checkpoint(self, checkpoint_id: str) -> tuple[Tutorial, Checkpoint]:
        """The checkpoint with this id, and the tutorial it belongs to."""
        every = {cp.id: (t, cp) for t in self.tutorials.values() for cp in t.checkpoints()}
        found = every.get(checkpoint_id)
        if found is None:
            raise ContentError([ContentProblem(
                "", "", f"no checkpoint '{checkpoint_id}'" + suggestion(checkpoint_id, every)
                + "; `tutorbot content show TUTORIAL_ID --json` lists them"
            )])
        return found

    def tutorial(self, tutorial_id: str) -> Tutorial:
        found = self.tutorials.get(tutorial_id)
        if found is None:
            raise ContentError([ContentProblem(
                "", "", f"no tutorial '{tutorial_id}'"
                + suggestion(tutorial_id, self.tutorials)
                + "; the tutorials are: " + ", ".join(self.tutorials)
            )])
        return found


def suggestion(word: str, choices: Iterable[str]) -> str:
    """`— did you mean 'x'?` for the closest choice, or nothing if none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


def read_model(path: Path, model: type[M], name: str) -> M:
    """Read one YAML file into `model`, or raise `ContentError` naming every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError([ContentProblem(name, "", f"cannot read: {error}")]) from error
    data = load_yaml(text, name)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ContentError(translate(error, name, data)) from error


def load_catalogue(root: Path) -> Catalogue:
    return read_model(root / CATALOGUE_FILE, Catalogue, CATALOGUE_FILE)


def tutorial_files(root: Path) -> list[Path]:
    return sorted((root / TUTORIALS_DIR).glob("*.yaml"))


def load_content(root: Path | None = None) -> Content:
    """Load and validate the catalogue and every tutorial under `root`.

    Schema problems of all files are gathered before raising, so an author sees
    everything at once. Cross-file coherence is the checker's job, not this one's.
    """
    root = root or content_root()
    problems: list[ContentProblem] = []
    catalogue: Catalogue | None = None
    try:
        catalogue = load_catalogue(root)
    except ContentError as error:
        problems.extend(error.problems)

    tutorials: dict[str, Tutorial] = {}
    files: dict[str, str] = {}
    for path in tutorial_files(root):
        name = f"{TUTORIALS_DIR}/{path.name}"
        try:
            tutorial = read_model(path, Tutorial, name)
        except ContentError as error:
            problems.extend(error.problems)
            continue
        if tutorial.id in tutorials:
            problems.append(ContentProblem(
                name, "id", f"duplicate tutorial id '{tutorial.id}', "
                f"also used by {files[tutorial.id]}; give each tutorial its own id"
            ))
            continue
        tutorials[tutorial.id] = tutorial
        files[tutorial.id] = name

    if problems or catalogue is None:
        raise ContentError(problems)
    in_order = dict(sorted(tutorials.items(), key=lambda item: (item[1].order, item[0])))
    return Content(catalogue, in_order, files)


def format_path(location: Sequence[int | str]) -> str:
    """('tiers', 1, 'rules', 0) -> 'tiers[1].rules[0]'."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def translate(error: ValidationError, file: str, data: Any = None) -> list[ContentProblem]:
    """Turn pydantic's errors into problems an author can act on."""
    problems = []
    for item in error.errors(include_url=False):
        location = [part for part in item["loc"] if not _is_union_branch(part)]
        line = _line_of(data, location)
        message = _explain(item) + (f" (line {line})" if line else "")
        problems.append(ContentProblem(file, format_path(location), message))
    return _without_duplicates(problems)


def _line_of(data: Any, location: Sequence[int | str]) -> int:
    """The line of the deepest mapping or list on `location` that the file has."""
    line = getattr(data, "line", 0)
    for part in location:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(data, "line", line)
    return int(line)


def _is_union_branch(part: int | str) -> bool:
    # pydantic puts the chosen branch of a tagged union into the location
    # ("must_include", "number", ...); the author never wrote those names.
    return isinstance(part, str) and (part in RULE_KINDS or part in ("number", "text"))


def _explain(item: Any) -> str:
    kind = item["type"]
    context = item.get("ctx") or {}
    if kind == "union_tag_invalid":
        tag = str(context.get("tag"))
        if "'kind'" in str(context.get("discriminator")) and tag not in ("number", "text"):
            expected = [k.strip(" '") for k in str(context.get("expected_tags")).split(",")]
            what = "rule" if set(expected) <= set(RULE_KINDS) else "kind"
            return (f"unknown {what} '{tag}'" + suggestion(tag, expected)
                    + f" (one of: {', '.join(expected)})")
        return f"unknown kind '{tag}'; use one of {context.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "missing 'kind'; say which kind this is"
    if kind == "extra_forbidden":
        name = str(item["loc"][-1])
        return f"unknown key '{name}'; remove it or correct its spelling"
    if kind == "missing":
        return "required but missing; add it"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return (f"expected a whole number, got {_brief(item['input'])}; write a plain "
                "number such as 7 (no leading zeros, quotes or units)")
    if kind == "bool_type":
        return f"expected true or false, got {_brief(item['input'])}"
    if kind == "string_type":
        return (f"expected text, got {_brief(item['input'])}; put it in quotes if "
                "it is meant as text")
    if kind == "string_pattern_mismatch":
        return (f"{item['input']!r} is not a valid id; use lower-case letters, "
                "digits and underscores, starting with a letter")
    message = str(item["msg"])
    return message.removeprefix("Value error, ")


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _without_duplicates(problems: list[ContentProblem]) -> list[ContentProblem]:
    seen: set[ContentProblem] = set()
    unique = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            unique.append(problem)
    return unique
