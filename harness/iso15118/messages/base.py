"""What every generated message model shares: wire names, value constraints and conversion to the codec's
documents. Each field's metadata holds its wire name (`wire`), its multiplicity and the schema's bounds, so the
clause, the name on the wire and the constraints sit together on the field (see the generated modules).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, ClassVar, TypeVar, cast

ModelT = TypeVar("ModelT", bound="Model")


class ModelError(ValueError):
    """A model value breaks a schema constraint, or a document does not fit the model."""


def wire(
    name: str,
    *,
    kind: str,
    required: bool = False,
    repeated: bool = False,
    low: int | None = None,
    high: int | None = None,
    target: str | None = None,
) -> Any:
    """A dataclass field carrying its wire name and constraints. `kind` is int, bool, str, bytes, list, enum or
    model; `low`/`high` bound the value (integers) or the length (strings, octets, lists); `target` names the
    enumeration or model class in the same module."""
    metadata = {
        "wire": name, "kind": kind, "required": required, "repeated": repeated, "low": low, "high": high,
        "target": target,
    }  # fmt: skip
    # Every field defaults to None so a missing required one is reported by the model, not by a TypeError.
    return dataclasses.field(default=None, metadata=metadata)


class Model:
    """Base of the generated dataclasses: `to_document()` gives the codec's dict form, `from_document()` reads it."""

    WIRE_TYPE: ClassVar[str] = ""  # the XSD type the class stands for
    ROOT: ClassVar[str | None] = None  # global element name when the class is a message
    NAMESPACE: ClassVar[str | None] = None  # codec namespace of a message
    CLAUSE: ClassVar[str | None] = None  # ISO 15118-20 clause defining a message
    _classes: ClassVar[dict[str, type]] = {}

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            _check(type(self).__name__, field, getattr(self, field.name))

    def to_document(self) -> dict[str, Any]:
        """The content dict of this model (message models: wrap with `message_document`)."""
        content: dict[str, Any] = {}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if value is None:
                continue
            meta = field.metadata
            if meta["repeated"]:
                content[meta["wire"]] = [_out(v) for v in value]
            else:
                content[meta["wire"]] = _out(value)
        return content

    @classmethod
    def from_document(cls: type[ModelT], content: dict[str, Any]) -> ModelT:
        if not isinstance(content, dict):
            raise ModelError(f"{cls.__name__}: expected a dict, got {type(content).__name__}")
        fields = {f.metadata["wire"]: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = set(content) - set(fields)
        if unknown:
            raise ModelError(f"{cls.__name__}: unknown field(s) {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, value in content.items():
            field = fields[name]
            convert = _reader(cls, field)
            values[field.name] = [convert(v) for v in value] if field.metadata["repeated"] else convert(value)
        return cls(**values)


def message_document(message: Model) -> dict[str, Any]:
    """`{root element: content}` for a message model, ready for the codec."""
    if message.ROOT is None:
        raise ModelError(f"{type(message).__name__} is not a message")
    return {message.ROOT: message.to_document()}


def register(module: str, classes: dict[str, Any]) -> None:
    """Makes the enumerations and models a generated module defines or imports findable by the names its
    fields use (the same name can mean different classes in two modules: AppProtocol's ResponseCode)."""
    for name, value in classes.items():
        if isinstance(value, type) and (issubclass(value, Model) or issubclass(value, enum.Enum)):
            Model._classes[f"{module}.{name}"] = value


def target_class(owner: type, name: str) -> type:
    """The enumeration or model class a field of `owner` names in its `target` (looked up in owner's module)."""
    found = Model._classes.get(f"{owner.__module__}.{name}")
    if found is None:
        raise ModelError(f"{owner.__name__}: unknown model class {name}")
    return found


def _reader(owner: type, field: dataclasses.Field[Any]) -> Any:
    kind = field.metadata["kind"]
    if kind == "model":
        model = target_class(owner, field.metadata["target"])
        return model.from_document  # type: ignore[attr-defined]
    if kind == "enum":
        enumeration = target_class(owner, field.metadata["target"])
        return enumeration
    return lambda value: value


def _out(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_document()
    if isinstance(value, enum.Enum):
        return value.value
    return value


_PYTHON_TYPES: dict[str, tuple[type, ...]] = {"int": (int,), "bool": (bool,), "str": (str,), "bytes": (bytes,)}


def _check(owner: str, field: dataclasses.Field[Any], value: Any) -> None:
    meta = field.metadata
    where = f"{owner}.{field.name} ({meta['wire']})"
    if value is None:
        if meta["required"]:
            raise ModelError(f"{where} is required")
        return
    items = value if meta["repeated"] else [value]
    if meta["repeated"]:
        if not isinstance(value, list):
            raise ModelError(f"{where} repeats: give a list")
        if not value and meta["required"]:
            raise ModelError(f"{where} needs at least one item")
    for item in items:
        _check_item(where, meta, item)


def _check_item(where: str, meta: Any, item: Any) -> None:
    kind = meta["kind"]
    low, high = meta["low"], meta["high"]
    expected = _PYTHON_TYPES.get(kind)
    if expected is not None:
        if not isinstance(item, expected) or (kind == "int" and isinstance(item, bool)):
            raise ModelError(f"{where}: expected {kind}, got {type(item).__name__}")
        if kind == "int":
            if (low is not None and item < low) or (high is not None and item > high):
                raise ModelError(f"{where}: {item} outside [{low}, {high}]")
        elif kind in ("str", "bytes"):
            size = len(cast("str | bytes", item))
            if (low is not None and size < low) or (high is not None and size > high):
                raise ModelError(f"{where}: length {size} outside [{low}, {high}]")
    elif kind == "list":
        if not isinstance(item, list):
            raise ModelError(f"{where}: expected a list")
    elif kind == "enum" and not isinstance(item, enum.Enum):
        raise ModelError(f"{where}: expected the enumeration {meta['target']}")
    elif kind == "model" and not isinstance(item, Model):
        raise ModelError(f"{where}: expected a {meta['target']}")
