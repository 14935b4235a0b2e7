"""How a test case declares itself: official ID, title, block, use cases, requirements, needed capabilities."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

MARKER = "tc"


@dataclass(frozen=True)
class CaseInfo:
    id: str
    title: str
    standard: str
    block: str
    use_cases: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)

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
            "profiles": profiles,
        }


def ocpp201_case(
    id: str,
    title: str,
    block: str,
    use_cases: list[str],
    requirements: list[str],
    needs: list[str] | None = None,
) -> pytest.MarkDecorator:
    """Mark an OCPP 2.0.1 charging-station test case with its Part 6 identity."""
    return pytest.mark.tc(
        id=id,
        title=title,
        standard="OCPP 2.0.1",
        block=block,
        use_cases=use_cases,
        requirements=requirements,
        needs=needs or [],
    )
