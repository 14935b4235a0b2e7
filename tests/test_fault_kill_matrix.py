"""The fault-kill matrix: every test case fails against at least one named fault of the virtual station, and every
fault is caught, with a verdict of `fail` (never `error`: a faulty station is the DUT's problem, not ours).

KILLS names, per fault, the cases that fault must make fail; the whole catalogue must be covered. Each fault's
run is limited to those cases so the matrix stays inside the CI budget; `harness run --virtual-fault NAME` runs the
whole catalogue against one fault.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT, harness, read_results
from tests.dut_variants import write_variant

SHIPPED_DUT = PROJECT / "profiles/dut/virtual-station.yaml"

KILLS: dict[str, list[str]] = {
    "boot-pending-allows-start": ["TC_B_02_CS"],
    "boot-rejected-retries-early": ["TC_B_03_CS"],
    "no-status-after-boot": ["TC_B_01_CS", "TC_B_20_CS", "TC_A_04_CS"],
    "basic-auth-wrong-user": ["TC_A_01_CS"],
    "tls-accepts-unknown-ca": ["TC_A_05_CS"],
    "tls-accepts-expired": ["TC_A_05_CS"],
    "tls-ignores-host-name": ["TC_A_05_CS"],
    "tls-no-security-event": ["TC_A_05_CS"],
    "tls-accepts-old-version": ["TC_A_06_CS"],
    "tls-client-certificate-wrong-cn": ["TC_A_07_CS"],
    "network-profile-allows-downgrade": ["TC_A_22_CS"],
    "network-profile-any-slot": ["TC_B_43_CS"],
    "network-priority-ignored": ["TC_B_45_CS"],
    "network-no-fallback": ["TC_B_46_CS"],
    "getvariables-unknown-component-as-variable": ["TC_B_32_CS"],
    "device-model-errors-rejected": ["TC_B_33_CS", "TC_B_34_CS", "TC_B_35_CS", "TC_B_36_CS", "TC_B_37_CS"],
    "setvariables-not-applied": ["TC_B_06_CS", "TC_B_07_CS", "TC_B_09_CS", "TC_J_01_CS"],
    "setvariables-batch-only-first": ["TC_B_10_CS"],
    "setvariables-readonly-accepted": ["TC_B_39_CS"],
    "reset-not-performed": ["TC_B_20_CS", "TC_B_22_CS"],
    "reset-onidle-interrupts-transaction": ["TC_B_21_CS"],
    "authorize-ignored": [
        "TC_C_02_CS",
        "TC_C_06_CS",
        "TC_C_07_CS",
        "TC_C_56_CS",
        "TC_C_42_CS",
        "TC_C_43_CS",
        "TC_C_44_CS",
    ],
    "seqno-gap": ["TC_E_03_CS", "TC_E_06_CS"],
    "wrong-trigger-reason-on-plug": ["TC_E_09_CS", "TC_E_04_CS", "TC_E_01_CS"],
    "no-meter-values-in-transaction": ["TC_J_02_CS", "TC_J_07_CS", "TC_J_08_CS"],
    "energy-register-resets": ["TC_J_09_CS"],
    "remote-start-ignored": ["TC_F_01_CS", "TC_F_02_CS"],
    "remote-stop-ignored": ["TC_F_08_CS"],
    "remote-stop-unknown-accepted": ["TC_F_09_CS"],
    "availability-no-status": ["TC_G_03_CS", "TC_G_05_CS", "TC_G_06_CS", "TC_G_07_CS", "TC_G_08_CS"],
    "availability-not-applied": ["TC_G_04_CS"],
    "status-not-sent-on-plug": ["TC_G_01_CS", "TC_G_02_CS"],
    "timestamp-without-timezone": ["TC_B_01_CS"],
    "malformed-frame": ["TC_B_01_CS"],
    "two-calls-in-flight": ["TC_B_01_CS"],
    "slow-response": ["TC_F_20_CS"],
    "heartbeat-interval-ignored": ["TC_B_01_CS"],
    "energy-register-drifts": ["TC_BEH_MTR_02"],
    # ISO 15118-20: faults of the SECC inside the virtual station
    "secc-sdp-wrong-security": ["TC_SECC_CMN_VTB_SDP_001"],
    "secc-sdp-wrong-port": ["TC_SECC_CMN_VTB_SDP_003", "TC_SECC_CMN_VTB_SDP_001"],
    "secc-sdp-answers-invalid": ["TC_SECC_CMN_VTB_SDP_002"],
    "secc-tls-weak-cipher": ["TC_SECC_CMN_VTB_TLS_001"],
    "secc-tls-untrusted-certificate": ["TC_SECC_CMN_VTB_TLS_002", "TC_SECC_CMN_VTB_TLS_006"],
    "secc-tls-expired-certificate": ["TC_SECC_CMN_VTB_TLS_003"],
    "secc-tls-weak-key": ["TC_SECC_CMN_VTB_TLS_004"],
    "secc-tls-accepts-tls12": ["TC_SECC_CMN_VTB_TLS_005"],
    "secc-tls-closes-after-handshake": ["TC_SECC_CMN_VTB_TLS_006", "TC_SECC_CMN_VTB_TLS_001"],
    "reserve-now-always-accepted": [
        "TC_H_03_CS",
        "TC_H_04_CS",
        "TC_H_06_CS",
        "TC_H_09_CS",
        "TC_H_10_CS",
        "TC_H_12_CS",
        "TC_H_13_CS",
        "TC_H_16_CS",
        "TC_H_22_CS",
    ],
    "reservation-not-reported": ["TC_H_01_CS", "TC_H_08_CS", "TC_H_14_CS", "TC_H_15_CS"],
    "reservation-ignores-idtoken": ["TC_H_02_CS"],
    "reservation-group-ignored": ["TC_H_19_CS", "TC_H_24_CS"],
    "reservation-never-expires": ["TC_H_07_CS"],
    "reservation-kept-when-unavailable": ["TC_H_21_CS"],
    "reservation-not-replaced": ["TC_H_23_CS"],
    "cancel-reservation-ignored": ["TC_H_17_CS"],
    "cancel-unknown-reservation-accepted": ["TC_H_18_CS"],
    # >>> RESERVATION (block H): add above this line
    "sc-accepts-invalid-profile": ["TC_K_02_CS", "TC_K_11_CS", "TC_K_14_CS", "TC_K_16_CS"],
    "sc-same-id-not-replaced": ["TC_K_04_CS"],
    "sc-profiles-lost-on-reboot": ["TC_K_13_CS"],
    "sc-clear-no-op": ["TC_K_05_CS", "TC_K_06_CS", "TC_K_09_CS"],
    "sc-clear-unknown-accepted": ["TC_K_07_CS", "TC_K_08_CS"],
    "sc-report-ignores-criteria": [
        "TC_K_29_CS",
        "TC_K_30_CS",
        "TC_K_32_CS",
        "TC_K_33_CS",
        "TC_K_34_CS",
        "TC_K_35_CS",
        "TC_K_36_CS",
    ],
    "sc-report-evse-zero": ["TC_K_01_CS", "TC_K_13_CS", "TC_K_30_CS", "TC_K_31_CS", "TC_K_60_CS", "TC_K_37_CS"],
    "sc-report-drops-phases": ["TC_K_01_CS", "TC_K_03_CS", "TC_K_04_CS", "TC_K_10_CS"],
    "sc-ignores-validity": ["TC_K_21_CS", "TC_K_22_CS"],
    "sc-ignores-start-schedule": ["TC_K_23_CS"],
    "sc-ignores-stack-level": ["TC_K_40_CS"],
    "sc-tx-profile-no-precedence": ["TC_K_41_CS"],
    "sc-composite-duration-truncated": ["TC_K_39_CS"],
    "sc-composite-unknown-evse-accepted": ["TC_K_47_CS"],
    "sc-remote-start-profile-dropped": ["TC_K_37_CS"],
    "sc-default-ignored-mid-transaction": ["TC_K_28_CS"],
    "sc-limit-not-applied": ["TC_BEH_SC_01"],
    "sc-recurring-rejected": ["TC_K_19_CS"],
    "sc-unsupported-profile-rejected": ["TC_K_15_CS", "TC_K_38_CS"],
    "sc-rate-unit-not-checked": ["TC_K_12_CS", "TC_K_42_CS"],
    "sc-clear-first-evse-only": ["TC_K_24_CS"],
    "sc-external-limit-unreported": ["TC_K_52_CS"],
    # >>> SMART CHARGING (block K): add above this line
    "certificate-install-not-stored": ["TC_M_01_CS", "TC_M_02_CS", "TC_M_03_CS", "TC_M_04_CS", "TC_M_18_CS"],
    "certificate-install-accepts-expired": ["TC_M_07_CS"],
    "certificate-ids-wrong-key-hash": ["TC_M_12_CS", "TC_M_13_CS", "TC_M_14_CS", "TC_M_16_CS", "TC_M_17_CS"],
    "certificate-ids-type-filter-ignored": ["TC_M_19_CS"],
    "certificate-chain-without-children": ["TC_M_15_CS"],
    "certificate-delete-not-performed": ["TC_M_20_CS"],
    "certificate-delete-unknown-accepted": ["TC_M_22_CS"],
    "certificate-status-never-requested": ["TC_M_24_CS", "TC_M_25_CS"],
    "station-certificate-trigger-rejected": ["TC_A_11_CS", "TC_A_14_CS", "TC_A_15_CS", "TC_A_23_CS", "TC_M_23_CS"],
    "csr-wrong-common-name": ["TC_A_11_CS", "TC_A_12_CS", "TC_A_19_CS", "TC_M_23_CS", "TC_A_07_CS"],
    "station-accepts-foreign-chain": ["TC_A_14_CS"],
    "station-ignores-signed-certificate": ["TC_A_19_CS"],
    "csr-not-resent": ["TC_A_23_CS"],
    "station-certificate-deletable": ["TC_M_23_CS"],
    "combined-certificate-csms-root-only": ["TC_A_13_CS"],
    "profile-upgrade-without-csms-root": ["TC_A_20_CS"],
    "profile-upgrade-without-station-certificate": ["TC_A_21_CS"],
    # >>> CERTIFICATES (block M): add above this line
    "remote-start-always-authorizes": ["TC_F_03_CS"],
    "ev-connection-timeout-ignored": ["TC_F_04_CS", "TC_E_05_CS", "TC_E_39_CS"],
    "unlock-during-transaction": ["TC_F_05_CS"],
    "unlock-connector-fails": ["TC_F_06_CS", "TC_F_07_CS"],
    "unlock-unknown-connector-failed": ["TC_F_10_CS"],
    "trigger-meter-values-wrong-context": ["TC_F_11_CS", "TC_F_12_CS"],
    "trigger-transaction-event-wrong-reason": ["TC_F_13_CS", "TC_F_14_CS"],
    "trigger-reports-last-status": ["TC_F_15_CS", "TC_F_18_CS"],
    "trigger-evse-not-ignored": ["TC_F_17_CS"],
    "trigger-status-notification-not-sent": ["TC_F_23_CS", "TC_F_24_CS"],
    "trigger-boot-accepted-again": ["TC_F_26_CS"],
    "trigger-unknown-message-accepted": ["TC_F_27_CS"],
    "data-transfer-unknown-vendor-accepted": ["TC_P_01_CS"],
    "custom-data-rejected": ["TC_P_03_CS", "TC_P_04_CS"],
    "reset-evse-rejected": ["TC_B_25_CS", "TC_B_26_CS", "TC_B_27_CS"],
    "reset-onidle-first-transaction": ["TC_B_41_CS"],
    "tx-event-timeout-not-retried": ["TC_E_41_CS", "TC_E_42_CS"],
    # >>> REMOTE CONTROL (blocks F, P): add above this line
    "local-list-version-zero": [
        "TC_D_01_CS",
        "TC_D_02_CS",
        "TC_D_03_CS",
        "TC_D_04_CS",
        "TC_D_05_CS",
        "TC_D_07_CS",
        "TC_D_08_CS",
    ],
    "local-list-accepts-old-version": ["TC_D_06_CS"],
    "local-list-enabled-ignored": ["TC_D_10_CS"],
    "local-list-not-used": ["TC_C_27_CS", "TC_C_58_CS", "TC_C_21_CS", "TC_C_25_CS"],
    "local-list-no-post-authorize": ["TC_C_28_CS", "TC_C_29_CS", "TC_C_30_CS", "TC_C_31_CS"],
    "other-token-stops": ["TC_C_04_CS"],
    "group-stop-ignored": ["TC_C_39_CS", "TC_C_40_CS", "TC_C_41_CS"],
    "auth-cache-not-used": ["TC_C_08_CS", "TC_C_13_CS", "TC_C_32_CS", "TC_C_57_CS", "TC_C_33_CS", "TC_C_16_CS"],
    "auth-cache-no-post-authorize": ["TC_C_09_CS", "TC_C_10_CS", "TC_C_11_CS", "TC_C_12_CS"],
    "auth-cache-always-preauthorizes": ["TC_C_36_CS"],
    "auth-cache-never-expires": ["TC_C_46_CS"],
    "clear-cache-ignored": ["TC_C_37_CS", "TC_C_38_CS"],
    "auth-cache-ignores-transaction-response": ["TC_C_34_CS"],
    "master-pass-ignored": ["TC_C_45_CS", "TC_C_49_CS", "TC_C_14_CS"],
    "invalid-id-in-transaction-ignored": ["TC_C_15_CS", "TC_C_17_CS", "TC_C_18_CS", "TC_C_26_CS", "TC_E_16_CS"],
    "offline-local-authorization-refused": ["TC_E_43_CS", "TC_E_45_CS"],
    "disable-remote-authorization-ignored": ["TC_E_52_CS"],
    "offline-list-status-ignored": ["TC_C_22_CS", "TC_C_23_CS", "TC_C_24_CS"],
    "customer-report-unfinished": ["TC_N_27_CS", "TC_N_30_CS"],
    "invalid-id-authorizes-without-ev": ["TC_C_05_CS"],
    "master-pass-ui-wrong-reason": ["TC_C_47_CS", "TC_C_48_CS"],
    "master-pass-ui-stops-all": ["TC_C_48_CS"],
    # >>> AUTHORIZATION (blocks C, D): add above this line
    "availability-same-state-rejected": [
        "TC_G_09_CS",
        "TC_G_10_CS",
        "TC_G_12_CS",
        "TC_G_13_CS",
        "TC_G_15_CS",
        "TC_G_16_CS",
    ],
    "availability-not-scheduled": ["TC_G_11_CS", "TC_G_14_CS", "TC_G_17_CS"],
    "availability-lost-on-reboot": ["TC_G_18_CS", "TC_G_19_CS", "TC_G_21_CS", "TC_B_23_CS"],
    "transaction-status-unsupported": ["TC_E_28_CS", "TC_E_30_CS", "TC_E_32_CS", "TC_E_34_CS"],
    "transaction-status-never-ongoing": ["TC_E_30_CS"],
    "tx-ended-samples-dropped": ["TC_J_03_CS", "TC_J_10_CS"],
    "tx-start-point-ignored": ["TC_E_02_CS", "TC_E_10_CS", "TC_E_13_CS"],
    "stopped-reason-always-other": ["TC_E_07_CS", "TC_E_14_CS", "TC_E_15_CS", "TC_E_21_CS", "TC_E_35_CS"],
    "offline-flag-missing": ["TC_E_29_CS", "TC_E_31_CS", "TC_E_33_CS", "TC_E_40_CS", "TC_E_44_CS"],
    "aligned-send-during-idle-ignored": ["TC_J_06_CS"],
    "tx-event-error-not-retried": ["TC_E_50_CS", "TC_E_51_CS"],
    "energy-transfer-stop-point-ignored": ["TC_E_08_CS", "TC_E_22_CS"],
    "ev-side-disconnect-unnoticed": [
        "TC_E_20_CS",
        "TC_E_37_CS",
        "TC_E_54_CS",
        "TC_E_26_CS",
        "TC_E_24_CS",
        "TC_E_25_CS",
    ],
    "sign-readings-ignored": ["TC_E_11_CS", "TC_J_04_CS", "TC_J_11_CS"],
    "ev-side-disconnect-timeout-not-started": ["TC_E_27_CS"],
    "ev-not-ready-unreported": ["TC_E_38_CS"],
    "ev-side-disconnect-keeps-authorization": ["TC_E_17_CS"],
    "parking-bay-sensor-unread": ["TC_E_12_CS", "TC_E_19_CS"],
    "connector-lock-failure-ignored": ["TC_G_20_CS"],
    # >>> TRANSACTIONS (blocks E, G, J): add above this line
    "firmware-signature-not-verified": ["TC_L_06_CS"],
    "firmware-signing-certificate-not-checked": ["TC_L_05_CS", "TC_L_18_CS"],
    "firmware-schedule-ignored": ["TC_L_02_CS", "TC_L_03_CS"],
    "firmware-updated-event-missing": ["TC_L_01_CS"],
    "firmware-download-failure-unreported": ["TC_L_07_CS"],
    "firmware-update-not-cancelled": ["TC_L_10_CS"],
    "customer-information-rejected": ["TC_N_28_CS", "TC_N_31_CS", "TC_N_32_CS"],
    "log-status-wrong-request-id": ["TC_N_25_CS", "TC_N_26_CS", "TC_N_35_CS"],
    "monitor-request-unchecked": [
        "TC_N_11_CS",
        "TC_N_12_CS",
        "TC_N_13_CS",
        "TC_N_15_CS",
        "TC_N_37_CS",
        "TC_N_43_CS",
        "TC_N_38_CS",
    ],
    "monitor-duplicate-ignores-severity": ["TC_N_10_CS"],
    "monitor-clear-always-accepted": ["TC_N_18_CS", "TC_N_19_CS", "TC_N_52_CS", "TC_N_44_CS"],
    "monitoring-level-unchecked": ["TC_N_17_CS"],
    "monitor-report-wrong-request-id": ["TC_N_02_CS", "TC_N_08_CS", "TC_N_09_CS", "TC_N_47_CS"],
    "monitoring-base-hardwired-rejected": ["TC_N_05_CS", "TC_N_06_CS"],
    "monitor-id-not-replaced": ["TC_N_40_CS", "TC_N_51_CS"],
    "monitor-events-ignore-level": ["TC_N_16_CS"],
    "monitor-delta-silent": ["TC_N_45_CS", "TC_N_56_CS"],
    "monitor-periodic-half-rate": ["TC_N_24_CS"],
    "log-upload-not-cancelled": ["TC_N_36_CS"],
    "transfer-trigger-reports-idle": ["TC_F_16_CS", "TC_F_19_CS"],
    "firmware-install-not-verified": ["TC_L_08_CS"],
    "firmware-activated-during-transaction": ["TC_L_15_CS"],
    "firmware-second-update-accepted": ["TC_L_11_CS"],
    "firmware-download-during-transaction": ["TC_L_12_CS", "TC_L_13_CS"],
    "firmware-pending-sessions-allowed": ["TC_L_13_CS"],
    "firmware-install-after-first-transaction": ["TC_L_14_CS"],
    "firmware-install-waits-for-transaction": ["TC_L_16_CS"],
    "enum-values-unchecked": ["TC_N_04_CS", "TC_N_07_CS"],
    "monitor-report-criteria-ignored": ["TC_N_01_CS", "TC_N_03_CS"],
    "monitor-id-target-unchecked": ["TC_N_39_CS"],
    "monitoring-base-keeps-overruled": ["TC_N_41_CS"],
    "monitor-threshold-clear-silent": ["TC_N_20_CS"],
    "monitors-lost-on-reboot": ["TC_N_53_CS"],
    "monitor-event-shows-secret": ["TC_N_48_CS"],
    "monitor-delta-from-last-sample": ["TC_N_61_CS"],
    "offline-queuing-severity-inverted": ["TC_N_22_CS", "TC_N_23_CS"],
    "customer-identifier-kept": ["TC_N_62_CS"],
    "customer-information-while-unavailable": ["TC_N_29_CS", "TC_N_33_CS"],
    "log-empty-accepted": ["TC_N_34_CS"],
    "hardwired-notification-as-monitor": ["TC_N_21_CS"],
    # >>> FIRMWARE AND DIAGNOSTICS (blocks L, N): add above this line
    "display-message-options-unchecked": ["TC_O_10_CS", "TC_O_17_CS", "TC_O_18_CS", "TC_O_19_CS"],
    "display-message-filters-ignored": [
        "TC_O_07_CS",
        "TC_O_08_CS",
        "TC_O_09_CS",
        "TC_O_11_CS",
        "TC_O_34_CS",
        "TC_O_35_CS",
    ],
    "display-messages-unknown-accepted": ["TC_O_03_CS", "TC_O_33_CS"],
    "display-message-clear-ignored": ["TC_O_04_CS", "TC_O_05_CS"],
    "display-messages-volatile": ["TC_O_20_CS"],
    "display-message-report-truncated": ["TC_O_02_CS"],
    "display-message-not-replaced": ["TC_O_12_CS"],
    "setvariables-no-type-check": ["TC_B_11_CS"],
    "report-without-characteristics": ["TC_B_12_CS", "TC_B_13_CS", "TC_B_53_CS", "TC_B_14_CS"],
    "custom-report-ignores-filters": [
        "TC_B_16_CS",
        "TC_B_17_CS",
        "TC_B_18_CS",
        "TC_B_19_CS",
        "TC_B_54_CS",
        "TC_B_55_CS",
        "TC_B_56_CS",
    ],
    "rejected-station-serves-requests": ["TC_B_30_CS"],
    "reset-evse-accepted": ["TC_B_28_CS", "TC_B_29_CS"],
    "offline-status-not-reported": ["TC_B_51_CS", "TC_B_52_CS"],
    "reconnect-backoff-flat": ["TC_B_57_CS"],
    "reservation-lost-on-reset": ["TC_B_24_CS"],
    "basic-auth-password-ignored": ["TC_A_09_CS"],
    "basic-auth-password-unchecked": ["TC_A_10_CS"],
    "network-fallback-skips-backoff": ["TC_B_49_CS"],
    "installed-csms-root-not-trusted": ["TC_B_50_CS"],
    "additional-root-check-ignored": ["TC_M_09_CS"],
    "no-fallback-to-old-root": ["TC_M_31_CS", "TC_B_47_CS"],
    "fallback-root-kept": ["TC_M_30_CS"],
    "cost-updated-unsupported": ["TC_I_01_CS"],
    "cost-in-transaction-response-refused": ["TC_I_01_CS", "TC_I_02_CS", "TC_I_07_CS"],
    "summary-inventory-unclaimed-accepted": ["TC_B_15_CS"],
    # >>> PROVISIONING AND DISPLAY (blocks B, O): add above this line
    "secc-accepts-malformed-v2gtp": [
        "TC_SECC_CMN_VTB_V2GTP_001",
        "TC_SECC_CMN_VTB_V2GTP_002",
        "TC_SECC_CMN_VTB_V2GTP_003",
        "TC_SECC_CMN_VTB_V2GTP_005",
    ],
    "secc-accepts-wrong-payload-type": ["TC_SECC_CMN_VTB_V2GTP_004", "TC_SECC_CMN_VTB_V2GTP_007"],
    "secc-answers-malformed-exi": ["TC_SECC_CMN_VTB_V2GTP_006"],
    "secc-slow-response": [
        "TC_SECC_CMN_VTB_Timing_001",
        "TC_SECC_CMN_VTB_SupportedAppProtocol_001",
        "TC_SECC_DC_VTB_ChargeParameterDiscovery_001",
        "TC_SECC_AC_VTB_ChargeParameterDiscovery_001",
    ],
    "secc-sap-picks-first-offer": [
        "TC_SECC_CMN_VTB_SupportedAppProtocol_002",
        "TC_SECC_CMN_VTB_SupportedAppProtocol_003",
    ],
    "secc-session-setup-plain-ok": ["TC_SECC_CMN_VTB_SessionSetup_001"],
    "secc-wrong-evse-id": ["TC_SECC_CMN_VTB_SessionSetup_002"],
    "secc-no-session-resume": ["TC_SECC_CMN_VTB_SessionSetup_003"],
    "secc-adopts-ev-session-id": ["TC_SECC_CMN_VTB_SessionSetup_004"],
    "secc-ignores-session-id": ["TC_SECC_CMN_VTB_SessionID_001"],
    "secc-stays-after-failed": ["TC_SECC_CMN_VTB_SessionID_002"],
    "secc-authorization-setup-without-eim": ["TC_SECC_CMN_VTB_AuthorizationSetup_001"],
    "secc-accepts-out-of-sequence": [
        "TC_SECC_CMN_VTB_AuthorizationSetup_002",
        "TC_SECC_CMN_VTB_Authorization_005",
        "TC_SECC_CMN_VTB_ServiceDiscovery_002",
        "TC_SECC_CMN_VTB_ScheduleExchange_004",
        "TC_SECC_DC_VTB_ChargeParameterDiscovery_004",
        "TC_SECC_DC_VTB_CableCheck_002",
        "TC_SECC_DC_VTB_PreCharge_002",
        "TC_SECC_DC_VTB_ChargeLoop_006",
        "TC_SECC_AC_VTB_ChargeLoop_006",
    ],
    "secc-authorizes-without-identification": [
        "TC_SECC_CMN_VTB_Authorization_001",
        "TC_SECC_CMN_VTB_Authorization_002",
    ],
    "secc-ongoing-fails-early": ["TC_SECC_CMN_VTB_Authorization_003"],
    "secc-accepts-invalid-parameters": [
        "TC_SECC_CMN_VTB_Authorization_004",
        "TC_SECC_CMN_VTB_ServiceDetail_002",
        "TC_SECC_CMN_VTB_ServiceSelection_002",
        "TC_SECC_CMN_VTB_ServiceSelection_003",
        "TC_SECC_CMN_VTB_PowerDelivery_001",
        "TC_SECC_DC_VTB_ChargeParameterDiscovery_003",
        "TC_SECC_DC_VTB_ChargeLoop_007",
        "TC_SECC_AC_VTB_ChargeParameterDiscovery_003",
    ],
    "secc-service-list-missing-bpt": ["TC_SECC_CMN_VTB_ServiceDiscovery_001", "TC_SECC_CMN_VTB_ServiceSelection_001"],
    "secc-service-detail-no-dynamic": ["TC_SECC_CMN_VTB_ServiceDetail_001"],
    "secc-schedule-ignores-supporting-points": ["TC_SECC_CMN_VTB_ScheduleExchange_001"],
    "secc-dynamic-mode-ignored": ["TC_SECC_CMN_VTB_ScheduleExchange_002"],
    "secc-refuses-discharge": [
        "TC_SECC_CMN_VTB_ScheduleExchange_003",
        "TC_SECC_DC_VTB_ChargeParameterDiscovery_002",
        "TC_SECC_DC_VTB_ChargeLoop_002",
        "TC_SECC_DC_VTB_ChargeLoop_003",
        "TC_SECC_AC_VTB_ChargeParameterDiscovery_002",
        "TC_SECC_AC_VTB_ChargeLoop_002",
        "TC_SECC_AC_VTB_ChargeLoop_003",
    ],
    "secc-ignores-power-delivery-stop": ["TC_SECC_CMN_VTB_PowerDelivery_002"],
    "secc-session-stop-failed": ["TC_SECC_CMN_VTB_SessionStop_001", "TC_SECC_AC_VTB_SessionStop_001"],
    "secc-ignores-sequence-timeout": ["TC_SECC_CMN_VTB_Timing_002", "TC_SECC_CMN_VTB_Timing_003"],
    "secc-general-timeout-after-charge-loop": ["TC_SECC_CMN_VTB_Timing_003", "TC_SECC_CMN_VTB_Timing_004"],
    "secc-ignores-tcp-reset": ["TC_SECC_CMN_VTB_Timing_005"],
    "secc-slow-charge-loop": ["TC_SECC_CMN_VTB_Timing_006"],
    "secc-cable-check-never-finishes": ["TC_SECC_DC_VTB_CableCheck_001"],
    "secc-precharge-no-voltage": ["TC_SECC_DC_VTB_PreCharge_001"],
    "secc-contactor-error": ["TC_SECC_DC_VTB_PowerDelivery_001", "TC_SECC_AC_VTB_PowerDelivery_001"],
    "secc-delivers-half-power": ["TC_SECC_DC_VTB_ChargeLoop_001", "TC_SECC_AC_VTB_ChargeLoop_001"],
    "secc-ignores-charging-limit": ["TC_SECC_DC_VTB_ChargeLoop_004", "TC_SECC_AC_VTB_ChargeLoop_004"],
    "secc-no-meter-info": ["TC_SECC_DC_VTB_ChargeLoop_005", "TC_SECC_AC_VTB_ChargeLoop_005"],
    "secc-welding-voltage-stuck": ["TC_SECC_DC_VTB_WeldingDetection_001"],
}
# Station faults no case measures yet, and the catalogue that will.
AWAITING_CASES: dict[str, str] = {
    "ignores-grid": "the grid-code catalogue (droop, Q(U)) measures it; tests/virtual/test_faults.py proves the fault",
}
# Faults of the virtual bench: the case that uses the instrument must end in `error` (our lab), never `fail`.
LAB_FAULTS: dict[str, tuple[str, set[str]]] = {
    "analyser-stale-reading": ("TC_BEH_MTR_02", {"error"}),
    "analyser-scpi-error": ("TC_BEH_MTR_02", {"error"}),
    "analyser-slow-response": ("TC_BEH_MTR_02", {"error"}),
    "analyser-drops-socket": ("TC_BEH_MTR_02", {"error", "pass"}),
    "grid-scpi-error": ("TC_BEH_MTR_02", {"error"}),
}


def test_matrix_names_every_fault_and_covers_the_catalogue(catalogue: list[dict[str, Any]]) -> None:
    listed = harness("virtual-station", "--list-faults").stdout.split()
    assert sorted(listed) == sorted([*KILLS, *AWAITING_CASES, *LAB_FAULTS]), "every fault needs a row"
    killed = {case for cases in KILLS.values() for case in cases}
    ids = {case["id"] for case in catalogue}
    assert killed <= ids, f"KILLS names cases that do not exist: {sorted(killed - ids)}"
    assert ids <= killed, f"no fault makes these cases fail: {sorted(ids - killed)}"


# Faults whose cases apply only to a DUT in another state than the shipped profile: the changes to its YAML.
DUT_CHANGES: dict[str, dict[str, Any]] = {
    "tls-client-certificate-wrong-cn": {"security_profile": 3},
    # at profile 3 from the start: the cases run without raising the station first (which the fault would stop)
    "station-certificate-trigger-rejected": {"security_profile": 3},
}
# Faults whose cases apply only to another station than the shipped one: the DUT variant (tests/dut_variants.py).
DUT_VARIANTS: dict[str, str] = {
    "reset-evse-rejected": "two-evses-evse-reset",
    "reset-onidle-first-transaction": "two-evses-evse-reset",
    "sc-clear-first-evse-only": "two-evses-evse-reset",
    "sc-unsupported-profile-rejected": "without-smart-charging",
    "sc-rate-unit-not-checked": "amperes-only",
    "firmware-second-update-accepted": "two-evses-firmware-waits",
    "firmware-download-during-transaction": "two-evses-firmware-waits",
    "firmware-pending-sessions-allowed": "two-evses-firmware-waits",
    "firmware-install-after-first-transaction": "two-evses-evse-reset",
    "firmware-install-waits-for-transaction": "installs-while-charging",
    "ev-side-disconnect-timeout-not-started": "fixed-cable",
    "ev-not-ready-unreported": "no-energy-transfer-start",
    "invalid-id-authorizes-without-ev": "cable-lock-before-authorization",
    "master-pass-ui-wrong-reason": "two-evses-master-pass-ui",
    "master-pass-ui-stops-all": "two-evses-master-pass-ui",
    "summary-inventory-unclaimed-accepted": "without-summary-inventory",
    "combined-certificate-csms-root-only": "combined-certificate",
    "profile-upgrade-without-csms-root": "profile-1-without-csms-root",
}

# The runs mostly wait on timers (three at a time kept a 2-core machine's load near 1): eight fit its two cores.
MATRIX_WORKERS = 8


def _cases_of(fault: str) -> list[str]:
    return KILLS[fault] if fault in KILLS else [LAB_FAULTS[fault][0]]


class FaultRuns:
    """One `harness run --virtual-fault` per fault, limited to its cases, run MATRIX_WORKERS at a time."""

    def __init__(self, base: Path, faults: list[str]) -> None:
        self.base, self.faults = base, faults
        self._pool = ThreadPoolExecutor(MATRIX_WORKERS)
        self._runs: dict[str, Future[tuple[subprocess.CompletedProcess[str], Path]]] = {}

    def result(self, fault: str) -> tuple[subprocess.CompletedProcess[str], Path]:
        if not self._runs:  # start them all at the first request; each test then waits for its own
            for name in [fault, *[f for f in self.faults if f != fault]]:
                self._runs[name] = self._pool.submit(self._run, name)
        if fault not in self._runs:
            self._runs[fault] = self._pool.submit(self._run, fault)
        return self._runs[fault].result()

    def _run(self, fault: str) -> tuple[subprocess.CompletedProcess[str], Path]:
        run_dir = self.base / fault
        if fault in DUT_VARIANTS:
            dut = ["--dut", str(write_variant(DUT_VARIANTS[fault], self.base, prefix=fault))]
        else:
            dut = ["--dut", str(self._dut_for(fault))] if fault in DUT_CHANGES else []
        result = harness(
            "run", "--virtual-fault", fault, "-k", " or ".join(_cases_of(fault)), "--out", str(run_dir), *dut
        )
        return result, run_dir

    def _dut_for(self, fault: str) -> Path:
        data = yaml.safe_load(SHIPPED_DUT.read_text())
        data["ocpp"].update(DUT_CHANGES[fault])
        path = self.base / f"{fault}-dut.yaml"
        path.write_text(yaml.safe_dump(data))
        return path

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def fault_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultRuns]:
    selected: list[str] = [
        str(item.callspec.params["fault"])
        for item in request.session.items
        if isinstance(item, pytest.Function) and hasattr(item, "callspec") and "fault" in item.callspec.params
    ]
    runs = FaultRuns(tmp_path_factory.mktemp("matrix"), list(dict.fromkeys(selected)))
    yield runs
    runs.close()


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(KILLS))
def test_fault_is_caught_as_fail(fault: str, fault_runs: FaultRuns) -> None:
    result, run_dir = fault_runs.result(fault)
    expected = KILLS[fault]
    verdicts = {r["id"]: r for r in read_results(run_dir)}
    assert set(verdicts) == set(expected), result.stdout[-2000:] + result.stderr[-2000:]
    for case in expected:
        record = verdicts[case]
        assert record["verdict"] == "fail", f"{case} against {fault}: {record['verdict']}: {record['reason']}"
        assert record["reason"] and record["reason"] != "all steps and validations conformed"
    assert result.returncode == 1, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(LAB_FAULTS))
def test_lab_fault_is_an_error_never_a_fail(fault: str, fault_runs: FaultRuns) -> None:
    result, run_dir = fault_runs.result(fault)
    case, allowed = LAB_FAULTS[fault]
    (record,) = read_results(run_dir)
    assert record["verdict"] in allowed, f"{case} against {fault}: {record['verdict']}: {record['reason']}"
    if record["verdict"] == "error":
        assert result.returncode == 3, result.stdout + result.stderr
        assert "lab error" in record["reason"]
    else:  # recovered: the evidence must still show what happened to the instrument
        evidence = (run_dir / record["evidence"][0]).read_text()
        assert "reconnecting" in evidence
