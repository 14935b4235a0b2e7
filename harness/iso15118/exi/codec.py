"""The codec's front door: encode and decode -20 documents by namespace (short name or URN)."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from .errors import ExiEncodeError
from .generator.pins import NAMESPACES
from .runtime import Grammar

# Short names users type (and `harness exi --namespace` accepts) -> generated module.
SHORT_NAMES = {
    "app": "app_protocol",
    "common": "common_messages",
    "dc": "dc",
    "ac": "ac",
    "wpt": "wpt",
    "acdp": "acdp",
    "xmldsig": "xmldsig",
}
_BY_URN = {urn: module for module, (_schema, urn) in NAMESPACES.items()}


def module_for(namespace: str) -> str:
    if namespace in SHORT_NAMES:
        return SHORT_NAMES[namespace]
    if namespace in _BY_URN:
        return _BY_URN[namespace]
    known = ", ".join(SHORT_NAMES)
    raise ExiEncodeError(f"unknown namespace {namespace!r} (one of {known}, or the namespace URN)")


@cache
def grammar(namespace: str) -> Grammar:
    """The grammar for a namespace, built once per process from its generated tables."""
    tables = importlib.import_module(f"harness.iso15118.exi.generated.{module_for(namespace)}")
    return Grammar(tables)


def encode(namespace: str, document: dict[str, Any]) -> bytes:
    return grammar(namespace).encode(document)


def decode(namespace: str, data: bytes) -> dict[str, Any]:
    return grammar(namespace).decode(data)


def encode_fragment(namespace: str, document: dict[str, Any]) -> bytes:
    """An EXI fragment (what a signature digests, e.g. SignedInfo) with the namespace's fragment grammar."""
    return grammar(namespace).encode_fragment(document)


def decode_fragment(namespace: str, data: bytes) -> dict[str, Any]:
    return grammar(namespace).decode_fragment(data)


def namespace_urn(namespace: str) -> str:
    return NAMESPACES[module_for(namespace)][1]
