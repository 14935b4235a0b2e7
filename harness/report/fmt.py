"""How times and durations read in the report; shared by the page and its sections."""

from __future__ import annotations

import math

from harness.report import coerce


def format_time(value: str | None) -> str:
    parsed = coerce.timestamp(value)
    if parsed is None:
        return value or "—"
    return parsed.isoformat(sep=" ", timespec="milliseconds")


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if abs(seconds) < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(int(seconds + 0.5), 60)  # half up, not round()'s half-to-even
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min {secs:02d} s" if hours else f"{minutes} min {secs:02d} s"


def format_ms(seconds: float | None) -> str:
    """Seconds as milliseconds to three significant digits, never in exponent notation (12.3, 0.456, 1500)."""
    if seconds is None:
        return "—"
    millis = seconds * 1000
    if millis == 0:
        return "0"
    decimals = max(0, 2 - math.floor(math.log10(abs(millis))))
    return f"{millis:.{decimals}f}"


def format_size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"
