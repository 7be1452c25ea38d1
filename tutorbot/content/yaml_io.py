"""Reading YAML without YAML 1.1's surprises.

PyYAML's safe loader follows YAML 1.1, which turns `no` into False, `on` into
True and `0755` into an octal number. Lesson text is full of such words, so this
loader is stricter: only `true`/`false` are booleans, only `null`/`~` (or
nothing) is null, numbers are plain decimals without leading zeros, and every
other plain scalar stays the text it was written as. A number field given text
then fails loudly in validation instead of silently meaning something else.

Each loaded mapping and sequence remembers the line it started on, so errors can
point into the file.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import yaml

from tutorbot.errors import ContentError, ContentProblem

_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$")


class LineDict(dict[str, Any]):
    """A mapping that remembers the line it was read from."""

    line: int = 0


class LineList(list[Any]):
    """A sequence that remembers the line it was read from."""

    line: int = 0


class _StrictLoader(yaml.CSafeLoader):
    """SafeLoader with our own, narrower scalar resolution."""


_StrictLoader.yaml_implicit_resolvers = {}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(true|false)$"), list("tf")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(~|null|)$"), ["~", "n", ""]
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", _INT, list("-+0123456789")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", _FLOAT, list("-+0123456789")
)


def _construct_float(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    # Exact, so that 0.0416 stays 0.0416 rather than the nearest binary float.
    return Decimal(str(loader.construct_scalar(node)))  # type: ignore[arg-type]


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(item, deep=True) for item in node.value)
    result.line = node.start_mark.line + 1
    return result


_StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_yaml(text: str, file: str) -> Any:
    """Parse one YAML document, turning a syntax error into a `ContentProblem`."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or str(error)
        found = ContentProblem(file, where, f"not valid YAML: {problem}")
        raise ContentError([found]) from error
    except yaml.YAMLError as error:
        found = ContentProblem(file, "", f"not valid YAML: {error}")
        raise ContentError([found]) from error
