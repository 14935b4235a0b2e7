"""Validation of OCPP payloads against the official JSON schemas shipped in the PyPI package `ocpp`.

The `ocpp` package never checks `format: date-time` (see ../shared/spec/ocpp.md, trap 4); we do, with our own
RFC 3339 checker, so a timestamp without a UTC offset is caught.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jsonschema
import ocpp

OcppVersion = Literal["v201", "v21"]
Direction = Literal["Request", "Response"]

SUBPROTOCOL_TO_VERSION: dict[str, OcppVersion] = {"ocpp2.0.1": "v201", "ocpp2.1": "v21"}

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_FORMAT_CHECKER = jsonschema.FormatChecker(formats=())


@_FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True  # type errors are the schema's business, not the format's
    if not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("z", "Z").replace("t", "T").replace("Z", "+00:00"))
    return True


@dataclass(frozen=True)
class SchemaViolation:
    """One way a payload breaks its schema, with the JSON path of the offending field."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class UnknownAction(LookupError):
    pass


def schema_dir(version: OcppVersion) -> Path:
    return Path(ocpp.__file__).parent / version / "schemas"


@cache
def known_actions(version: OcppVersion) -> frozenset[str]:
    return frozenset(p.name.removesuffix("Request.json") for p in schema_dir(version).glob("*Request.json"))


@cache
def _validator(version: OcppVersion, action: str, direction: Direction) -> Any:
    path = schema_dir(version) / f"{action}{direction}.json"
    if not path.is_file():
        raise UnknownAction(f"{action} is not an OCPP {version} action")
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=_FORMAT_CHECKER)


def validate(version: OcppVersion, action: str, direction: Direction, payload: Any) -> list[SchemaViolation]:
    """Return every schema violation of `payload`; an empty list means the payload is valid.

    Raises UnknownAction when the action does not exist in this OCPP version.
    """
    validator = _validator(version, action, direction)
    violations = []
    for error in sorted(validator.iter_errors(payload), key=lambda e: list(e.absolute_path)):
        path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        violations.append(SchemaViolation(path, error.message))
    return violations
