"""The strict YAML reader: YAML 1.1's coercions never change what an author wrote."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tutorbot.content.yaml_io import load_yaml
from tutorbot.errors import ContentError

SCALARS = [
    ("no", "no"),
    ("yes", "yes"),
    ("on", "on"),
    ("off", "off"),
    ("08", "08"),
    ("0755", "0755"),
    ("1_000", "1_000"),
    ("12:30", "12:30"),
    ("true", True),
    ("false", False),
    ("~", None),
    ("null", None),
    ("12", 12),
    ("-3", -3),
    ("0", 0),
    ("0.0416", Decimal("0.0416")),
    ("1e3", Decimal("1000")),
    ("99.9", Decimal("99.9")),
    ("'0.9'", "0.9"),
]


@pytest.mark.parametrize(("written", "read"), SCALARS)
def test_plain_scalars_read_as_written(written: str, read: object) -> None:
    document = f"value: {written}\n"

    loaded = load_yaml(document, "test.yaml")

    assert loaded["value"] == read
    assert type(loaded["value"]) is type(read)


def test_decimals_are_exact() -> None:
    loaded = load_yaml("price: 0.1\n", "test.yaml")

    assert loaded["price"] * 3 == Decimal("0.3")


def test_duplicate_keys_are_refused_with_their_line() -> None:
    document = "id: a\ntitle: A\nid: b\n"

    with pytest.raises(ContentError) as caught:
        load_yaml(document, "dup.yaml")

    assert "dup.yaml: line 3" in str(caught.value)
    assert "duplicate key 'id'" in str(caught.value)


def test_syntax_errors_name_file_and_line() -> None:
    document = "tiers:\n  - id: T0\n   title: [unclosed\n"

    with pytest.raises(ContentError) as caught:
        load_yaml(document, "broken.yaml")

    assert str(caught.value).startswith("broken.yaml: line ")
    assert "not valid YAML" in str(caught.value)


def test_python_tags_are_refused() -> None:
    document = "x: !!python/object/apply:os.getcwd []\n"

    with pytest.raises(ContentError):
        load_yaml(document, "evil.yaml")
