"""Our OpenLineage events checked against the client's own generated model.

``openlineage-python`` ships no JSON schema file. What it ships is its model, generated from the
spec's schemas: the attrs classes of ``openlineage.client.generated`` (``RunEvent``, ``Run``,
``Job``, the datasets and one class per facet), whose validators check ``eventTime`` (an ISO
date-time with a time) and ``runId`` (a UUID) and parse ``producer`` and ``schemaURL`` as URLs.
``validate`` structures an event's JSON back into those classes, strictly:

- each object becomes the class its place in the model names, each facet the generated class its
  ``_schemaURL`` names, which must be a facet of the kind its place holds (a dataset facet under
  a dataset's ``facets``, a run facet under ``run.facets``, …); a schema URL no generated class
  has (another spec version, a custom facet) fails;
- a key the class has no field for fails;
- a missing required field fails: the classes' required arguments, and the fields the model
  would otherwise fill in itself but the spec requires in the JSON (an event's ``producer`` and
  ``schemaURL``, a facet's ``_producer`` and ``_schemaURL``); a ``schemaURL`` must be the one the
  class writes;
- a value of the wrong JSON type, an enum or literal value outside its values, a failed attrs
  validator: fail;
- the structured event, serialised again by the client (``Serde``), must be the same JSON:
  nothing was dropped or coerced on the way.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
import types
import typing
from functools import cache
from typing import Any

import attr
import openlineage.client.generated as generated
from openlineage.client.generated.base import BaseEvent, BaseFacet, RunEvent
from openlineage.client.serde import Serde

#: Fields the model fills in when they are absent, which the spec requires in every event or
#: facet: their absence must fail, not be repaired.
FILLED_IN: dict[type, tuple[str, ...]] = {
    BaseEvent: ("producer", "schemaURL"),
    BaseFacet: ("_producer", "_schemaURL"),
}


class Invalid(AssertionError):
    """An event the generated model does not accept; says where and why."""


@cache
def facet_classes() -> dict[str, type[BaseFacet]]:
    """Schema URL → the generated facet class, over every module of the generated package (the
    abstract base facets of ``base`` left out: a facet must be one the spec defines)."""
    found: dict[str, type[BaseFacet]] = {}
    for info in pkgutil.iter_modules(generated.__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{generated.__name__}.{info.name}")
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, BaseFacet)
                and obj.__module__ == module.__name__
            ):
                url = obj._get_schema()
                if found.setdefault(url, obj) is not obj:
                    raise RuntimeError(f"two generated classes claim {url}")
    return found


def validate(event: dict[str, Any]) -> RunEvent:
    """The event as the generated ``RunEvent``; raises ``Invalid`` unless the model accepts all
    of it."""
    structured = _object(event, RunEvent, "event")
    again = Serde.to_dict(structured)
    if again != event:
        raise Invalid(f"event: serialised again it differs: {_first_difference(event, again)}")
    return structured


def _structure(value: Any, hint: Any, where: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None:
            if type(None) in args:
                return None
            raise Invalid(f"{where}: null where {hint} is required")
        reasons = []
        for option in [a for a in args if a is not type(None)]:
            try:
                return _structure(value, option, where)
            except Invalid as exc:
                reasons.append(str(exc))
        raise Invalid("; ".join(reasons))
    if origin is typing.Literal:
        if value not in args:
            raise Invalid(f"{where}: {value!r} is not one of {args}")
        return value
    if origin is list:
        _expect(value, list, where)
        return [_structure(v, args[0], f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        _expect(value, dict, where)
        return {k: _structure(v, args[1], f"{where}.{k}") for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            raise Invalid(f"{where}: {value!r} is not a {hint.__name__}") from None
    if isinstance(hint, type) and issubclass(hint, BaseFacet):
        return _facet(value, hint, where)
    if isinstance(hint, type) and attr.has(hint):
        return _object(value, hint, where)
    if hint is float:
        if type(value) not in (int, float):
            raise Invalid(f"{where}: {value!r} is not a number")
        return value
    if hint in (str, int, bool):
        if type(value) is not hint:  # exact: JSON true is no integer, 1 no string
            raise Invalid(f"{where}: {value!r} is not a {hint.__name__}")
        return value
    raise Invalid(f"{where}: the model's type {hint!r} is not one this check knows")


def _facet(value: Any, kind: type[BaseFacet], where: str) -> BaseFacet:
    _expect(value, dict, where)
    url = value.get("_schemaURL")
    cls = facet_classes().get(url)
    if cls is None:
        raise Invalid(f"{where}: no generated facet class has the schema {url!r}")
    if not issubclass(cls, kind):
        raise Invalid(f"{where}: a {cls.__name__} is not a {kind.__name__}")
    return _object(value, cls, where)


def _object(value: Any, cls: type, where: str) -> Any:
    _expect(value, dict, where)
    fields = {f.name: f for f in attr.fields(cls)}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise Invalid(f"{where}: {cls.__name__} has no field {unknown}")
    for base, names in FILLED_IN.items():
        missing = [n for n in names if issubclass(cls, base) and not value.get(n)]
        if missing:
            raise Invalid(f"{where}: {cls.__name__} without {missing}")
    hints = typing.get_type_hints(cls)
    kwargs = {
        fields[name].alias: _structure(v, hints[name], f"{where}.{name}")
        for name, v in value.items()
        if fields[name].init
    }
    try:
        obj = cls(**kwargs)
    except (TypeError, ValueError) as exc:  # a required argument missing, a validator failing
        raise Invalid(f"{where}: {cls.__name__}: {exc}") from exc
    for name, v in value.items():
        if not fields[name].init and getattr(obj, name) != v:  # schemaURL, _schemaURL
            raise Invalid(f"{where}.{name}: {v!r}, where the model writes {getattr(obj, name)!r}")
    return obj


def _expect(value: Any, kind: type, where: str) -> None:
    if type(value) is not kind:
        raise Invalid(f"{where}: {type(value).__name__} where a JSON {kind.__name__} belongs")


def _first_difference(a: Any, b: Any, where: str = "event") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{where}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{where}[{i}]")
    return f"{where}: {a!r} became {b!r}"
