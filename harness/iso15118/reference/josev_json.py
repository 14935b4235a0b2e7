"""Compare a Josev JSON document with what the Java codec decodes from its own encoding of it.

The jar maps JSON to XML through JAXB/MOXy, which silently drops what it does not know: a misspelt key, a substitute
element's fields under the head element's name, a simple-content value under any key but `value`, a null. A
round trip (encode, decode, compare) is what turns that silence into an error. The comparison accepts only the
jar's own normalisations: a single object where it writes a one-item array, lower-case hexBinary it writes in
upper case. Anything else that changed is reported, with its path.
"""

from __future__ import annotations

import string
from typing import Any

_HEX = frozenset(string.hexdigits)


def differences(sent: Any, returned: Any, path: str = "$") -> list[str]:
    """Where `returned` does not carry what `sent` said, one line per place; empty when they agree."""
    if isinstance(sent, dict) and isinstance(returned, dict):
        found: list[str] = []
        for key, value in sent.items():
            if key not in returned:
                what = "null, so left out" if value is None else "dropped by the Java codec"
                found.append(f"{path}.{key}: {what}")
            else:
                found += differences(value, returned[key], f"{path}.{key}")
        found += [f"{path}.{key}: added by the Java codec" for key in returned if key not in sent]
        return found
    if isinstance(returned, list) and not isinstance(sent, list) and len(returned) == 1:
        return differences(sent, returned[0], path)
    if isinstance(sent, list) and isinstance(returned, list):
        if len(sent) != len(returned):
            return [f"{path}: {len(sent)} items sent, {len(returned)} came back"]
        found = []
        for index, (item, back) in enumerate(zip(sent, returned, strict=True)):
            found += differences(item, back, f"{path}[{index}]")
        return found
    if _same_scalar(sent, returned):
        return []
    return [f"{path}: sent {_show(sent)}, came back {_show(returned)}"]


def _same_scalar(sent: Any, returned: Any) -> bool:
    if type(sent) is not type(returned):
        return False  # 1 vs True vs "1": the caller wrote the wrong JSON type, even if the jar coerced it
    if sent == returned:
        return True
    return (
        isinstance(sent, str)
        and len(sent) % 2 == 0
        and set(sent) <= _HEX
        and sent.upper() == returned  # the jar writes hexBinary in upper case
    )


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
