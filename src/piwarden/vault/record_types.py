"""Record types: what the vault holds, declared in YAML, each field typed by ``piwarden.entities``.

A field's entity type gives its grade and sensitivity (never restated here), its data-key class
(the type's GB/T 35273 category: one data key per tenant and category), how it is masked, and
how a look-up value is normalized. ``lookup`` fields get a blind index; ``token`` fields are
also handed out as tokens (``token``: AES-SIV, ``fpe``: FF1 keeping the shape); ``file`` fields
hold bytes. Errors name the file, the type and the field, and what is wrong.

>>> types = bundled_record_types()
>>> f = types["customer"].fields["phone"]
>>> f.entity.grade.name, f.key_class, f.lookup, f.token
('L2', 'basic_profile', True, 'fpe')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from piwarden import entities
from piwarden.entities import EntityType
from piwarden.vault.files import read_yaml

BUNDLED = Path(__file__).with_name("record_types.yaml")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class RecordTypeError(ValueError):
    """A record-type file that cannot be used: names the file, type, field and problem."""


class _FieldDecl(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = Field(description="Entity type (piwarden.entities), e.g. PHONE.")
    lookup: bool = Field(default=False, description="Keep a blind index for exact look-ups by this field.")
    token: Literal["token", "fpe"] | None = Field(default=None, description="Hand out a token for this field.")
    kind: Literal["text", "file"] = Field(default="text", description="text, or file (bytes, base64 on the wire).")

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        try:
            return entities.canonical(value)
        except entities.UnknownEntityType:
            raise ValueError(f"unknown entity type {value!r}") from None


class _TypeDecl(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    fields: dict[str, _FieldDecl]


class _FileDecl(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    types: dict[str, _TypeDecl]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a record type."""

    name: str
    entity: EntityType
    lookup: bool
    token: Literal["token", "fpe"] | None
    kind: Literal["text", "file"]

    @property
    def key_class(self) -> str:
        """The data-key class: the entity type's category (one data key per tenant and class)."""
        return self.entity.category.value

    @property
    def grade(self) -> int:
        return int(self.entity.grade)


@dataclass(frozen=True, slots=True)
class RecordType:
    """A declared record type: its name, description and fields."""

    name: str
    description: str
    fields: Mapping[str, FieldSpec]

    def field(self, name: str) -> FieldSpec:
        try:
            return self.fields[name]
        except KeyError:
            raise KeyError(f"record type {self.name} has no field {name!r}") from None

    @property
    def lookups(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.lookup]


def parse_record_types(data: Any, source: str = "record types") -> dict[str, RecordType]:
    """Record types from a parsed YAML document; ``RecordTypeError`` names what is wrong."""
    if not isinstance(data, dict):
        raise RecordTypeError(f"{source}: a record-type file is a YAML mapping with 'types'")
    try:
        decl = _FileDecl.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False))
        raise RecordTypeError(f"{source}: {problems}") from None
    out: dict[str, RecordType] = {}
    for tname, tdecl in decl.types.items():
        if not NAME.match(tname):
            raise RecordTypeError(f"{source}: type name {tname!r} must be lower-case letters, digits and _")
        if not tdecl.fields:
            raise RecordTypeError(f"{source}: type {tname} has no fields")
        fields: dict[str, FieldSpec] = {}
        for fname, f in tdecl.fields.items():
            where = f"{source}: {tname}.{fname}"
            if not NAME.match(fname):
                raise RecordTypeError(f"{where}: field names are lower-case letters, digits and _")
            entity = entities.get(f.type)
            if f.kind == "file" and (f.lookup or f.token):
                raise RecordTypeError(f"{where}: a file field has no lookup or token")
            fields[fname] = FieldSpec(fname, entity, f.lookup, f.token, f.kind)
        out[tname] = RecordType(tname, tdecl.description, fields)
    return out


def load_record_types(path: str | Path) -> dict[str, RecordType]:
    """Record types from a YAML file."""
    return parse_record_types(read_yaml(path, RecordTypeError), str(path))


@lru_cache(maxsize=1)
def bundled_record_types() -> dict[str, RecordType]:
    """The demo platform's types: customer, order, waybill, policy, certification."""
    return load_record_types(BUNDLED)
