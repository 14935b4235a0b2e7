"""Random valid documents drawn from the grammar tables, for differential tests, fuzzing seeds and benchmarks.

A document is built by walking the grammar's automaton, so it is valid by construction; values respect the schema
bounds. A walk that the dict form cannot express (an interleaving of a repeated choice) is redrawn.
"""

from __future__ import annotations

import random
from typing import Any

from .errors import ExiEncodeError
from .runtime import AT, CH, EE, SE, Grammar, _Element, _Type
from .values import (
    BinaryCodec,
    BooleanCodec,
    BoundedCodec,
    EnumerationCodec,
    IntegerCodec,
    ListCodec,
    StringCodec,
    UnsignedCodec,
    ValueCodec,
)

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_WIDE = "éüßøΩжк中文"  # letters outside ASCII, valid in every string type the schemas use


class Sampler:
    """Draws documents for one grammar; `budget` caps the number of elements per document."""

    def __init__(
        self,
        grammar: Grammar,
        rng: random.Random,
        budget: int = 300,
        fill: float = 0.5,
        exclude: frozenset[str] = frozenset(),
    ) -> None:
        self.grammar = grammar
        self.exclude = exclude  # element names never drawn (besides abstract ones, which no document may use)
        self.rng = rng
        self.budget = budget
        self.fill = fill  # chance to take an optional element
        self._left = budget

    def document(self, root: str, attempts: int = 50) -> dict[str, Any]:
        code = self.grammar.root_index[root]
        element = self.grammar.roots[code]
        for _ in range(attempts):
            self._left = self.budget
            document = {root: self._element(element, depth=0)}
            try:
                self.grammar.encode(document)
            except ExiEncodeError:
                continue
            return document
        raise RuntimeError(f"could not draw an encodable {root} in {attempts} attempts")

    def _element(self, element: _Element, depth: int) -> Any:
        self._left -= 1
        if element.simple is not None:
            return self.value(element.simple)
        assert element.complex is not None
        return self._complex(element.complex, depth)

    def _complex(self, complex_type: _Type, depth: int) -> dict[str, Any]:
        content: dict[str, Any] = {}
        state, count = 0, 0
        for _ in range(5000):
            view = complex_type.states[state].view(count)
            choices = [p for p in view.by_code if p[0] in (AT, CH, EE) or (p[0] == SE and self._drawable(p[2]))]
            if not choices:
                raise RuntimeError(f"{complex_type.name}: only wildcard content is possible here")
            production = self._choose(choices, depth)
            kind, key, target, next_state, _partition = production
            if kind == EE:
                return content
            value = self._element(target, depth + 1) if kind == SE else self.value(target)
            if key in complex_type.lists:
                content.setdefault(key, []).append(value)
            else:
                content[key] = value
            count = count + 1 if next_state == state else 1
            state = next_state
        raise RuntimeError(f"{complex_type.name}: walk did not end")

    def _drawable(self, element: _Element) -> bool:
        return not element.abstract and element.name not in self.exclude

    def _choose(self, choices: list[tuple[Any, ...]], depth: int) -> tuple[Any, ...]:
        end = [p for p in choices if p[0] == EE]
        rest = [p for p in choices if p[0] != EE]
        if end and (not rest or self._left <= 0 or depth > 12 or self.rng.random() > self.fill):
            return end[0]
        return self.rng.choice(rest)

    def value(self, codec: ValueCodec) -> Any:
        rng = self.rng
        if isinstance(codec, BooleanCodec):
            return rng.random() < 0.5
        if isinstance(codec, BoundedCodec):
            return rng.choice((codec.minimum, codec.maximum, rng.randint(codec.minimum, codec.maximum)))
        if isinstance(codec, EnumerationCodec):
            value = rng.choice(codec.values)
            return int(value) if codec.as_int else value
        if isinstance(codec, (UnsignedCodec, IntegerCodec)):
            return self._integer(codec)
        if isinstance(codec, BinaryCodec):
            return rng.randbytes(self._length(codec, default_high=40))
        if isinstance(codec, StringCodec):
            return self._string(self._length(codec, default_high=24))
        if isinstance(codec, ListCodec):
            return [self.value(codec.item) for _ in range(self._length(codec, default_high=6))]
        raise TypeError(f"no sampler for {type(codec).__name__}")

    def _integer(self, codec: ValueCodec) -> int:
        rng = self.rng
        low = codec.low if codec.low is not None else -(10**20)
        high = codec.high if codec.high is not None else 10**20
        picks = [low, high, rng.randint(max(low, -1000), min(high, 1000))]
        picks.append(rng.randint(low, high))
        return rng.choice(picks)

    def _length(self, codec: ValueCodec, default_high: int) -> int:
        low = codec.low or 0
        high = codec.high if codec.high is not None else default_high
        high = max(low, min(high, low + 64))
        return self.rng.choice((low, high, self.rng.randint(low, high)))

    def _string(self, length: int) -> str:
        if length == 0:
            return ""
        rng = self.rng
        first = rng.choice(_LETTERS)
        pool = _ALPHABET + (_WIDE if rng.random() < 0.3 else "")
        return first + "".join(rng.choice(pool) for _ in range(length - 1))


def message_roots(grammar: Grammar) -> list[str]:
    """The global elements that are messages: the -20 Req/Res elements and supportedAppProtocolReq/Res."""
    return [e.name for e in grammar.roots if e.name.endswith(("Req", "Res")) and e.complex is not None]
