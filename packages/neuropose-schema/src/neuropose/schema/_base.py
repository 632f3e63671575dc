"""Pydantic base classes shared by every contract."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from neuropose.schema._guards import is_json_object

__all__ = ["PersistedModel", "ValueModel"]


class ValueModel(BaseModel):
    """An immutable value object: unknown keys are rejected, fields cannot be reassigned."""

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="strings")


class PersistedModel(ValueModel):
    """A top-level model that is written to its own file.

    Subclasses declare ``kind`` (the file type's stable name, used in error messages and in the
    migration registry) and ``CURRENT_VERSION``; each instance carries ``schema_version``.
    """

    KIND: ClassVar[str] = "file"
    CURRENT_VERSION: ClassVar[int] = 1

    schema_version: int = 1

    @model_validator(mode="before")
    @classmethod
    def _stamp_current_version(cls, data: Any) -> Any:
        # A model built in memory is at its class's current version; the field's static default
        # would otherwise stay 1 (unvalidated) after CURRENT_VERSION moves on.
        if is_json_object(data) and "schema_version" not in data:
            return {**data, "schema_version": cls.CURRENT_VERSION}
        return data

    @field_validator("schema_version")
    @classmethod
    def _is_current_version(cls, version: int) -> int:
        # Older files are migrated by neuropose.schema.io before they reach the model, so a
        # model only ever holds the current layout.
        if version != cls.CURRENT_VERSION:
            msg = (
                f"{cls.KIND} objects are built at schema_version {cls.CURRENT_VERSION}, "
                f"got {version}; load older files through neuropose.schema.io, which migrates them"
            )
            raise ValueError(msg)
        return version
