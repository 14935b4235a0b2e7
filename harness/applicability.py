"""Whether a test case applies to this DUT on this bench, and if not, the reason (PICS and capabilities).

A case lists what it needs: OCPP capabilities by name (`remote_start_stop`), the active OCPP security profile as
`security_profile:<allowed,...>` (e.g. `security_profile:2,3`), or ISO 15118-20 declarations as
`iso15118.<kind>.<value>` (service, family, mode, id) and the flags `iso15118`, `iso15118.resume`,
`iso15118.dynamic_discharge`, `iso15118.bidirectional`, `iso15118.tls` (the charger offers TLS) and
`iso15118.tcp` (it also offers sessions without TLS). The first unmet need gives the not-applicable reason.
"""

from __future__ import annotations

from harness.config import Dut, Lab
from harness.ocpp.v201.conditions import unmet_condition
from harness.ocpp.v201.inventory import PROFILE_LABELS, inventory

_FAMILY_SERVICES = {"AC": ("AC", "AC_BPT"), "DC": ("DC", "DC_BPT")}


def unmet_certification(case_id: str, dut: Dut) -> str | None:
    """Why an OCPP CS case does not apply under Part 5 (its certification profile, its conditions), or None."""
    entry = inventory().get(case_id)
    if entry is None:
        return None
    if entry.profile not in dut.certification.profiles:
        label = PROFILE_LABELS.get(entry.profile, entry.profile)
        return f"the case belongs to the {label} certification profile, which the DUT profile does not claim"
    return unmet_condition(entry.conditions, dut)


def unmet_need(need: str, dut: Dut, lab: Lab) -> str | None:
    """Why `need` is not met, or None when it is."""
    if need.startswith("security_profile:"):
        allowed = [int(p) for p in need.partition(":")[2].split(",")]
        active = dut.ocpp.security_profile
        if active in allowed:
            return None
        wanted = " or ".join(str(p) for p in allowed)
        return f"the case needs OCPP security profile {wanted}; the DUT profile's active one is {active}"
    if not need.startswith("iso15118"):
        if need in dut.capabilities:
            return None
        return f"the DUT profile does not declare the capability {need!r}"
    pics = dut.iso15118
    if pics is None:
        return "the DUT profile declares no ISO 15118-20 support (no iso15118 section)"
    if lab.iso15118 is None:
        return "the lab file has no iso15118 link to the charger's SECC"
    parts = need.split(".")
    if len(parts) == 1:
        return None
    flag = parts[1]
    if flag == "resume":
        return None if pics.session_resume else "the DUT profile declares no session resumption (session_resume)"
    if flag == "dynamic_discharge":
        if pics.dynamic_discharge == "none":
            return "the DUT profile declares no way to make it discharge in Dynamic mode (dynamic_discharge)"
        return None
    if flag == "bidirectional":
        if any(s.endswith("_BPT") for s in pics.energy_services):
            return None
        return "the DUT profile declares no bidirectional (BPT) ISO 15118-20 service"
    if flag == "tls":
        return None if pics.tls != "none" else "the DUT profile declares no TLS for ISO 15118-20"
    if flag == "tcp":
        return None if pics.tls != "required" else "the DUT profile declares TLS required: no session without TLS"
    value = parts[2] if len(parts) > 2 else ""
    declared: list[str]
    if flag == "service":
        declared = list(pics.energy_services)
    elif flag == "family":
        declared = [value] if any(s in pics.energy_services for s in _FAMILY_SERVICES.get(value, ())) else []
    elif flag == "mode":
        declared = list(pics.control_modes)
    elif flag == "id":
        declared = list(pics.identification)
    else:
        raise ValueError(f"unknown applicability need {need!r}")
    if value in declared:
        return None
    return f"the DUT profile does not declare ISO 15118-20 {flag} {value} (declares {', '.join(declared) or 'none'})"
