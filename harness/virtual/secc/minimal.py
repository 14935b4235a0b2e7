"""The smallest schema-valid content of a response, for answers that carry a FAILED code and nothing else useful.

-20 has no generic error message: a FAILED code travels in the response the EV expects, which still needs every
required element. They are filled with neutral values (zero, the first enumeration value, one list item).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from harness.iso15118.messages.base import Model, target_class
from harness.iso15118.messages.lookup import model_for

# Responses whose content holds a required choice (the model sees each branch as optional): the branch to send.
CHOICE_BRANCH: dict[str, tuple[str, str]] = {
    "AuthorizationSetupRes": ("EIM_ASResAuthorizationMode", "EIM_ASResAuthorizationMode"),
    "ScheduleExchangeRes": ("Dynamic_SEResControlMode", "Dynamic_SEResControlMode"),
    "DC_ChargeParameterDiscoveryRes": ("DC_CPDResEnergyTransferMode", "DC_CPDResEnergyTransferMode"),
    "AC_ChargeParameterDiscoveryRes": ("AC_CPDResEnergyTransferMode", "AC_CPDResEnergyTransferMode"),
    "DC_ChargeLoopRes": ("Scheduled_DC_CLResControlMode", "Scheduled_DC_CLResControlMode"),
    "AC_ChargeLoopRes": ("Scheduled_AC_CLResControlMode", "Scheduled_AC_CLResControlMode"),
}

_NEUTRAL_PARAMETER = {"Name": "0", "intValue": 0}


def minimal_response(namespace: str, root: str, code: str) -> dict[str, Any]:
    """Content of `root` with only the required elements, ResponseCode set to `code` (Header excluded)."""
    model = model_for(namespace, root)
    if model is None:
        raise KeyError(f"no model for {namespace}:{root}")
    content = _minimal(model)
    content.pop("Header", None)
    if root in CHOICE_BRANCH:
        wire, class_name = CHOICE_BRANCH[root]
        branch = target_class(model, class_name)
        content[wire] = _minimal(branch)
    if root == "ServiceDetailRes":  # a Parameter holds a required choice of value types
        content["ServiceParameterList"] = {"ParameterSet": [{"ParameterSetID": 0, "Parameter": [_NEUTRAL_PARAMETER]}]}
    if root == "CertificateInstallationRes":  # SignedInstallationData holds a required choice of key formats
        content["SignedInstallationData"]["SECP521_EncryptedPrivateKey"] = b"\x00"
    content["ResponseCode"] = code
    return content


def _minimal(model: type[Model]) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for field in dataclasses.fields(model):  # type: ignore[arg-type]
        meta = field.metadata
        if not meta["required"]:
            continue
        value = _neutral(model, meta)
        content[meta["wire"]] = [value] if meta["repeated"] else value
    return content


def _neutral(owner: type[Model], meta: Any) -> Any:
    kind = meta["kind"]
    low = meta["low"] or 0
    if kind == "int":
        return max(0, low)
    if kind == "bool":
        return False
    if kind == "str":
        return "0" * max(1, low)
    if kind == "bytes":
        return b"\x00" * max(1, low)
    target = target_class(owner, meta["target"]) if meta["target"] else None
    if kind == "enum" and isinstance(target, type) and issubclass(target, enum.Enum):
        return next(iter(target)).value
    if kind == "model" and isinstance(target, type) and issubclass(target, Model):
        return _minimal(target)
    raise TypeError(f"cannot make a neutral value for {owner.__name__}.{meta['wire']} ({kind})")
