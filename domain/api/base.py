"""What the API's models share: a request body refuses the fields it does not know,
an edit carries the version of the record it was made on, and a model may carry the
examples OpenAPI shows of it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class Request(BaseModel):
    """A request body: a field the API does not know is refused (422), not ignored."""

    model_config = ConfigDict(extra="forbid")


def examples(*cases: dict[str, Any]) -> ConfigDict:
    """A model's configuration with the examples OpenAPI shows of it (a request's
    still refuses unknown fields: pydantic merges it with its base's)."""
    return ConfigDict(json_schema_extra={"examples": list(cases)})


ReadVersion = Annotated[
    int | None,
    Field(description="Version of the record the caller read; 409 if it moved since."),
]
"""An edit's `version`: a record changed since it was read is refused, not overwritten."""
