"""What ships: the wheel carries the lessons, and the published schemas are current."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from tutorbot.content import content_root
from tutorbot.content.loader import CATALOGUE_FILE, tutorial_files
from tutorbot.content.schema import schemas
from tutorbot.content.yaml_io import load_yaml

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "content" / "schema"


def test_a_wheel_built_from_the_repo_finds_its_content(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path / "dist"), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next((tmp_path / "dist").glob("tutorbot-*.whl"))
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)

    probe = (
        "import tutorbot, tutorbot.content as c; "
        "print(tutorbot.__file__); print(c.content_root()); "
        "print(len(c.load_content().tutorials))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
        env={"PYTHONPATH": str(installed)}, check=True, timeout=60,
    )
    module_file, root, count = result.stdout.split()

    assert module_file.startswith(str(installed))
    assert root == str(installed / "tutorbot" / "_content")
    assert count == "4"


@pytest.mark.parametrize("name", sorted(schemas()))
def test_published_schemas_match_the_models(name: str) -> None:
    published = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))

    assert published == schemas()[name], (
        "content/schema is stale: run `tutorbot content schema --out content/schema`"
    )


def test_shipped_files_validate_against_the_published_schemas() -> None:
    root = content_root()
    documents = [(CATALOGUE_FILE, "components.schema.json")] + [
        (f"tutorials/{path.name}", "tutorial.schema.json")
        for path in tutorial_files(root)
    ]

    for file, schema_name in documents:
        schema = json.loads((SCHEMA_DIR / schema_name).read_text(encoding="utf-8"))
        data = load_yaml((root / file).read_text(encoding="utf-8"), file)
        plain = json.loads(json.dumps(data, default=float))

        jsonschema.validate(plain, schema)
