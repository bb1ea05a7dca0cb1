"""Plain JSON for what the cache stores: summaries and findings, exactly (a Decimal keeps its
digits, a date its day), and read back only when every field is what this version writes."""

from __future__ import annotations

import datetime
import functools
import sys
import types
import typing
from dataclasses import fields, is_dataclass
from decimal import Decimal
from typing import Any

from aipo_budget.cache.model import Inputs
from aipo_budget.findings import Finding

DROPPED = frozenset({"entry"})  # a finding's directive: not needed to print, not plain data


class Malformed(ValueError):
    """A stored entry that is not what this version writes."""


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)  # exact: digits, exponent and sign survive Decimal(str(x))
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Finding):
        return to_record(value)
    if isinstance(value, (tuple, list)):
        return [_encode(item) for item in value]
    raise TypeError(f"a {type(value).__name__} cannot be stored in the cache")


def to_record(value: Any) -> dict[str, Any]:
    """A dataclass (a Finding, a CheckSummary) as a JSON object, field by field."""
    return {f.name: _encode(getattr(value, f.name)) for f in fields(value)
            if f.name not in DROPPED}


@functools.cache
def _field_types(cls: type) -> dict[str, Any]:
    namespace = vars(sys.modules[cls.__module__])
    # Annotations are strings (``from __future__ import annotations``): evaluated in their own
    # module, as typing.get_type_hints does, but for the dataclass fields only.
    return {f.name: eval(f.type, namespace) if isinstance(f.type, str) else f.type  # noqa: S307
            for f in fields(cls)}


def _decode_union(value: Any, args: tuple[Any, ...]) -> Any:
    if value is None and type(None) in args:
        return None
    options = [a for a in args if a is not type(None)]
    if len(options) != 1:
        raise Malformed(f"cannot read a value of {args}")
    return _decode(value, options[0])


def _decode(value: Any, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _decode_union(value, typing.get_args(hint))
    if origin is tuple and isinstance(value, list):
        return tuple(_decode(item, typing.get_args(hint)[0]) for item in value)
    if hint in (bool, int, str) and type(value) is hint:
        return value
    if hint is Decimal and isinstance(value, str):
        return Decimal(value)
    if hint is datetime.date and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    if isinstance(hint, type) and is_dataclass(hint) and isinstance(value, dict):
        return from_record(hint, value)
    raise Malformed(f"{value!r} is no {hint}")


def from_record(cls: type, record: dict[str, Any]) -> Any:
    """The dataclass ``cls`` from ``to_record``'s object; every field must be there (an entry
    of another version is malformed, not completed with defaults)."""
    types_ = _field_types(cls)
    wanted = {name for name in types_ if name not in DROPPED}
    if set(record) != wanted:
        raise Malformed(f"fields {sorted(set(record) ^ wanted)} of {cls.__name__}")
    return cls(**{name: _decode(record[name], types_[name]) for name in wanted})


def inputs_record(inputs: Inputs) -> dict[str, list[str]]:
    return {f.name: list(getattr(inputs, f.name)) for f in fields(Inputs)}


def inputs_from(record: Any) -> Inputs:
    if not isinstance(record, dict) or set(record) != {f.name for f in fields(Inputs)}:
        raise Malformed("inputs")
    values = {}
    for name, paths in record.items():
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise Malformed(f"inputs.{name}")
        values[name] = tuple(paths)
    return Inputs(**values)
