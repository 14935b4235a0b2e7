"""Allure labels and attachments, only when allure-pytest is active (`--alluredir`)."""

from __future__ import annotations

from harness.catalogue import CaseInfo
from harness.evidence import Evidence

try:
    import allure
    from allure_commons._allure import plugin_manager as _allure_plugins
except ImportError:  # allure-pytest is a dependency, but the harness works without it
    allure = None
    _allure_plugins = None


def _active() -> bool:
    return allure is not None and bool(_allure_plugins is not None and _allure_plugins.get_plugins())


def label_for_allure(info: CaseInfo) -> None:
    """epic = standard, feature = functional block, story = use case, id = test-case ID."""
    if not _active():
        return
    allure.dynamic.epic(info.standard)
    allure.dynamic.feature(info.block)
    for use_case in info.use_cases:
        allure.dynamic.story(use_case)
    allure.dynamic.id(info.id)
    allure.dynamic.title(f"{info.id} {info.title}")
    for requirement in info.requirements:
        allure.dynamic.label("requirement", requirement)


def attach_trace(evidence: Evidence) -> None:
    path = evidence.current_path
    if not _active() or path is None or not path.is_file():
        return
    allure.attach.file(str(path), name="message trace (JSONL)", extension="jsonl")
