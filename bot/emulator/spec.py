"""The official Bot API description (``data/api.json``): methods, their parameters and the types."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

ARRAY_PREFIX = "Array of "


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a method, or one field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method: its parameters and what it returns."""

    name: str
    fields: tuple[FieldSpec, ...]
    returns: tuple[str, ...]

    def field(self, name: str) -> FieldSpec | None:
        """The parameter called ``name``, if the method has one."""
        for field in self.fields:
            if field.name == name:
                return field
        return None


@dataclass(frozen=True)
class TypeSpec:
    """A Bot API type: either an object with fields or a union of ``subtypes``."""

    name: str
    fields: tuple[FieldSpec, ...]
    subtypes: tuple[str, ...]


def _fields(raw: Mapping[str, Any]) -> tuple[FieldSpec, ...]:
    return tuple(
        FieldSpec(
            name=field["name"],
            types=tuple(field["types"]),
            required=bool(field["required"]),
            description=str(field.get("description", "")),
        )
        for field in raw.get("fields", ())
    )


class ApiSpec:
    """Lookup over the methods and types of one Bot API version."""

    def __init__(
        self, version: str, methods: Mapping[str, MethodSpec], types: Mapping[str, TypeSpec]
    ) -> None:
        self.version = version
        self.methods = dict(methods)
        self.types = dict(types)
        # Bot API method names are case-insensitive: /bot<token>/SENDMESSAGE works.
        self._by_lower = {name.lower(): spec for name, spec in self.methods.items()}

    @classmethod
    def load(cls) -> ApiSpec:
        """Read the specification shipped as package data."""
        text = resources.files("bot.emulator").joinpath("data/api.json").read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApiSpec:
        """Build from the parsed JSON document."""
        methods = {
            name: MethodSpec(name=raw["name"], fields=_fields(raw), returns=tuple(raw.get("returns", ())))
            for name, raw in data["methods"].items()
        }
        types = {
            name: TypeSpec(name=raw["name"], fields=_fields(raw), subtypes=tuple(raw.get("subtypes", ())))
            for name, raw in data["types"].items()
        }
        return cls(str(data.get("version", "")), methods, types)

    def method(self, name: str) -> MethodSpec | None:
        """The method called ``name`` (any letter case), or ``None``."""
        return self._by_lower.get(name.lower())

    def object_problems(self, types: Sequence[str], value: Any, path: str = "result") -> list[str]:
        """Why ``value`` is not a valid instance of any of ``types``; empty when it is.

        Used to check the emulator's own answers: every required field present, no field the
        specification does not know, every nested value of the right type.
        """
        best: list[str] | None = None
        for type_name in types:
            problems = self._problems(type_name, value, path)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def _problems(self, type_name: str, value: Any, path: str) -> list[str]:
        if type_name.startswith(ARRAY_PREFIX):
            if not isinstance(value, list):
                return [f"{path}: expected {type_name}"]
            inner = type_name[len(ARRAY_PREFIX) :]
            problems: list[str] = []
            for index, item in enumerate(value):
                problems += self._problems(inner, item, f"{path}[{index}]")
            return problems
        primitive = _primitive_ok(type_name, value)
        if primitive is not None:
            return [] if primitive else [f"{path}: expected {type_name}, got {type(value).__name__}"]
        spec = self.types.get(type_name)
        if spec is None:
            return [f"{path}: unknown type {type_name}"]
        if spec.subtypes:
            return self.object_problems(spec.subtypes, value, path)
        if not isinstance(value, dict):
            return [f"{path}: expected {type_name} object"]
        known = {field.name: field for field in spec.fields}
        problems = [f"{path}.{name}: not a field of {type_name}" for name in value if name not in known]
        for field in spec.fields:
            if field.name in value:
                problems += self.object_problems(field.types, value[field.name], f"{path}.{field.name}")
            elif field.required:
                problems.append(f"{path}.{field.name}: required field of {type_name} is missing")
        return problems


def _primitive_ok(type_name: str, value: Any) -> bool | None:
    """Whether ``value`` fits a primitive type; ``None`` when ``type_name`` is not primitive."""
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "String":
        return isinstance(value, str)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "True":
        return value is True
    if type_name == "InputFile":
        return True
    return None
