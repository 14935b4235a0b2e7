"""Files a test case attached (packet captures, TLS key logs): linked from the report, never read into it."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote

from harness.report import coerce
from harness.report.fmt import format_size
from harness.report.model import EvidenceFile


@dataclass(frozen=True)
class FileLink:
    """A run-directory file as a link; `href` is empty (and `problem` says why) when there is nothing to open."""

    path: str
    href: str = ""
    problem: str = ""
    size: str = ""


@dataclass(frozen=True)
class AttachmentView:
    link: FileLink
    text: str


def link_to(path: str, evidence: Mapping[str, EvidenceFile]) -> FileLink:
    """A relative link that works when report.html is opened from the run directory, for a file the loader found."""
    found = evidence.get(path)
    if found is None:
        return FileLink(path, problem="not found in the run directory")
    if not found.exists:
        return FileLink(path, problem=found.problems[0] if found.problems else "missing")
    # The loader refused anything outside the run directory, so the path is a plain relative one; quote it so that
    # a '#' or '?' in a file name does not turn into a fragment or a query.
    return FileLink(path, href=quote(PurePosixPath(path.replace("\\", "/")).as_posix()), size=format_size(found.size))


def case_attachments(
    listed: Sequence[str],
    traces: Sequence[EvidenceFile],
    evidence: Mapping[str, EvidenceFile],
    exclude: Collection[str] = (),
) -> tuple[AttachmentView, ...]:
    """The case's attachments: those results.jsonl lists, then those only an `attachment` entry names.

    `exclude` holds the paths already shown elsewhere (a session's capture), so they are not listed twice.
    """
    texts = _descriptions(traces)
    paths = [path for path in listed if (file := evidence.get(path)) is not None and file.attachment]
    paths += [path for path in texts if path not in listed]
    return tuple(
        AttachmentView(link_to(path, evidence), texts.get(path, ""))
        for path in dict.fromkeys(paths)
        if path not in exclude
    )


def _descriptions(traces: Sequence[EvidenceFile]) -> dict[str, str]:
    """Path → what the file is, from the `attachment` entries (the first description of a path wins)."""
    texts: dict[str, str] = {}
    for trace in traces:
        for entry in trace.entries:
            record = entry.record or {}
            if record.get("kind") != "attachment":
                continue
            path = coerce.strict_text(record.get("path"))
            if path:
                texts.setdefault(path, coerce.strict_text(record.get("text")) or "")
    return texts
