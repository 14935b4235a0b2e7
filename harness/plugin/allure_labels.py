"""Allure labels and attachments, only when allure-pytest is active (`--alluredir`)."""

from __future__ import annotations

import allure

from harness.catalogue import CaseInfo
from harness.evidence import Evidence

ALLURE_PYTEST_PLUGIN = "allure_listener"  # the name allure-pytest registers under when --alluredir is given


def label_for_allure(info: CaseInfo) -> None:
    """epic = standard, feature = functional block, story = use case, id = test-case ID."""
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
    if path is None or not path.is_file():
        return
    allure.attach.file(str(path), name="message trace (JSONL)", extension="jsonl")
