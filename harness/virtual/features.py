"""What one virtual station offers beyond the fixed Core behaviour, chosen when it starts.

The harness starts the virtual station as the DUT profile describes it: its factory MessageTimeout, whether it
claims the Smart Charging profile, and the Part 5 optional features it claims (`--features`, harness/virtual/
claims.py) that this module reads: Reset of one EVSE (C-13) and the charging rate units (SC-2.1 A, SC-2.2 W).
A profile variant that claims less gives a station that offers less, so the cases written for such stations
(TC_K_15_CS, TC_K_38_CS, TC_K_12_CS, ...) run against the same code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.virtual import dm_catalog as dmc
from harness.virtual.claims import EVSE_RESET, RATE_UNIT_AMPERES, RATE_UNIT_WATTS
from harness.virtual.device_model import VariableKey, VariableSpec, key

if TYPE_CHECKING:
    from harness.config import Dut

RATE_UNITS = ("A", "W")
DEFAULT_MESSAGE_TIMEOUT_S = 10
MAX_MESSAGE_TIMEOUT_S = 300  # the variable's maxLimit in dm_catalog.py
RATE_UNIT_CLAIMS = (("A", RATE_UNIT_AMPERES), ("W", RATE_UNIT_WATTS))


@dataclass(frozen=True)
class StationFeatures:
    """The factory settings and optional profiles of one station that are not Part 5 feature ids."""

    message_timeout_s: int = DEFAULT_MESSAGE_TIMEOUT_S  # OCPPCommCtrlr.MessageTimeout (Default), ReadOnly
    smart_charging: bool = True  # K01-K10; without it the profile messages are NotSupported (K01.FR.29)


def rate_units(claims: Set[str]) -> tuple[str, ...]:
    """SmartChargingCtrlr.RateUnit: the units claimed, both when the claims name neither."""
    units = tuple(unit for unit, claim in RATE_UNIT_CLAIMS if claim in claims)
    return units or RATE_UNITS


def evse_allow_reset(evse_id: int) -> VariableKey:
    return key("EVSE", "AllowReset", evse=evse_id)


def shape_catalog(
    catalog: list[VariableSpec], features: StationFeatures, claims: Set[str], evse_ids: list[int]
) -> list[VariableSpec]:
    """The device model of a station with `features` and `claims`; EVSE.AllowReset when it resets EVSEs alone."""
    units = rate_units(claims)
    overrides: dict[VariableKey, dict[str, Any]] = {
        dmc.MESSAGE_TIMEOUT: {"default": str(features.message_timeout_s)},
        dmc.RATE_UNIT: {"default": ",".join(units), "values": units},
    }
    if not features.smart_charging:
        # Available false: there is no controller to enable, so Enabled cannot be switched on either.
        overrides[dmc.SMART_CHARGING_AVAILABLE] = {"default": "false"}
        overrides[dmc.SMART_CHARGING_ENABLED] = {"default": "false", "mutability": "ReadOnly"}
    shaped = [dataclasses.replace(spec, **overrides[spec.key]) if spec.key in overrides else spec for spec in catalog]
    if EVSE_RESET in claims:
        shaped += [VariableSpec(evse_allow_reset(evse_id), "boolean", "ReadOnly", "true") for evse_id in evse_ids]
    return shaped


def arguments_for(dut: Dut) -> list[str]:
    """The virtual station's options for what `dut` describes beyond its Part 5 feature claims."""
    args: list[str] = []
    if dut.ocpp.message_timeout_s is not None:
        args += ["--message-timeout", str(dut.ocpp.message_timeout_s)]
    if "smart_charging" not in dut.certification.profiles:
        args.append("--no-smart-charging")
    return args
