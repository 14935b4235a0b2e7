"""How a test case declares itself: official ID, title, block, use cases, requirements, needed capabilities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest

MARKER = "tc"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CaseInfo:
    id: str
    title: str
    standard: str
    block: str
    use_cases: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    instruments: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, item: pytest.Item) -> CaseInfo | None:
        marker = item.get_closest_marker(MARKER)
        if marker is None:
            return None
        return cls(**marker.kwargs)

    def as_listing(self, profiles: list[str]) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "standard": self.standard,
            "block": self.block,
            "use_cases": self.use_cases,
            "requirements": self.requirements,
            "needs": self.needs,
            "instruments": self.instruments,
            "profiles": profiles,
        }


def ocpp201_case(
    id: str,
    title: str,
    block: str,
    use_cases: list[str],
    requirements: list[str],
    needs: list[str] | None = None,
) -> Callable[[F], F]:
    """Mark an OCPP 2.0.1 charging-station test case with its Part 6 identity.

    The decorator also appends the use-case and requirement IDs to the function's docstring, so `help()`, pydoc
    and IDEs cite them from the same single source as the marker.
    """
    mark = pytest.mark.tc(
        id=id,
        title=title,
        standard="OCPP 2.0.1",
        block=block,
        use_cases=use_cases,
        requirements=requirements,
        needs=needs or [],
    )

    return _marked(mark, title, f"{id}: use case {', '.join(use_cases)}; requirements {', '.join(requirements)}.")


def measured_case(
    id: str,
    title: str,
    block: str,
    requirements: list[str],
    instruments: list[str],
    needs: list[str] | None = None,
) -> Callable[[F], F]:
    """Mark a measured behaviour test case: the harness's own ID, the clauses it checks, the instruments it needs.

    These cases judge what the device does (power at the meter, reaction to the grid), so a lab without the named
    instruments cannot run them: they are then not applicable on that bench, with the reason.
    """
    mark = pytest.mark.tc(
        id=id,
        title=title,
        standard="Measured behaviour",
        block=block,
        use_cases=[],
        requirements=requirements,
        needs=needs or [],
        instruments=instruments,
    )

    return _marked(mark, title, f"{id}: checks {', '.join(requirements)}; instruments {', '.join(instruments)}.")


def iso15118_case(
    id: str,
    title: str,
    block: str,
    requirements: list[str],
    needs: list[str] | None = None,
    instruments: list[str] | None = None,
) -> Callable[[F], F]:
    """Mark an ISO 15118-20 SECC test case (the harness plays the EV); IDs follow the ISO 15118-4 / -21 / -23 style.

    `needs` lists the PICS the case depends on (see harness.applicability); every case needs -20 support at all.
    """
    mark = pytest.mark.tc(
        id=id,
        title=title,
        standard="ISO 15118-20",
        block=block,
        use_cases=[],
        requirements=requirements,
        needs=["iso15118", *(needs or [])],
        instruments=instruments or [],
    )
    return _marked(mark, title, f"{id}: checks {'; '.join(requirements)}.")


def _marked(mark: pytest.MarkDecorator, title: str, citation: str) -> Callable[[F], F]:
    """Apply the `tc` marker and append the citation to the docstring, one source for both."""

    def decorate(function: F) -> F:
        function.__doc__ = f"{(function.__doc__ or title).rstrip()}\n\n{citation}"
        marked: F = mark(function)
        return marked

    return decorate
