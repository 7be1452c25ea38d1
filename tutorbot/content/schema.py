"""JSON Schemas of the content format, generated from the models, for editors.

The shipped copies live in `content/schema/`; a test keeps them equal to what
the models generate, so the schema an editor validates against never drifts.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tutorbot.content.models import Catalogue, Tutorial

SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "components.schema.json": Catalogue,
    "tutorial.schema.json": Tutorial,
}


def schemas() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema document, as YAML authors write the files."""
    documents = {}
    for name, model in SCHEMA_FILES.items():
        document = model.model_json_schema(by_alias=True, mode="validation")
        document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        documents[name] = document
    return documents
