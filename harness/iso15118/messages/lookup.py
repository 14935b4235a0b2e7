"""Find the generated model class of a message by its codec namespace and root element name."""

from __future__ import annotations

import functools
import importlib

from harness.iso15118.messages.base import Model

# Codec namespace short name -> generated module holding its messages.
_MODULES = {"app": "app_protocol", "common": "common_messages", "dc": "dc", "ac": "ac", "wpt": "wpt", "acdp": "acdp"}


@functools.cache
def _roots(namespace: str) -> dict[str, type[Model]]:
    module = importlib.import_module(f"harness.iso15118.messages.{_MODULES[namespace]}")
    found: dict[str, type[Model]] = {}
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, Model) and value.ROOT is not None:
            found[value.ROOT] = value
    return found


def model_for(namespace: str, root: str) -> type[Model] | None:
    """The model class of global element `root` in `namespace` (app, common, dc, ac, wpt, acdp), or None."""
    if namespace not in _MODULES:
        return None
    return _roots(namespace).get(root)
