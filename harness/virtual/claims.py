"""The Part 5 optional features and PICS answers the virtual station claims, and the behaviours that follow them.

Some optional behaviours exclude each other (an update either cancels the running one or is refused; firmware
either installs during a transaction or waits for its end), so the station is started with the claims of the DUT
profile it stands for (`--features`), like it is started with its number of EVSEs. Without them it claims what the
shipped profile (profiles/dut/virtual-station.yaml) declares.
"""

from __future__ import annotations

CANCEL_LOG_UPLOAD = "C-57"  # a second GetLog cancels the upload in progress (else Rejected)
CANCEL_FIRMWARE_UPDATE = "C-60"  # a second UpdateFirmware cancels the update in progress (else Rejected)
INSTALL_DURING_TRANSACTION = "C-43"  # firmware is installed and activated while transactions go on
DOWNLOAD_DURING_TRANSACTION = "AQ-7"  # firmware is downloaded while a transaction runs (else it waits)
SUMMARY_INVENTORY = "C-56"  # GetBaseReport SummaryInventory is offered (else NotSupported, B07.FR.02)
MASTER_PASS_UI = "C-07"  # a user interface where the master pass holder chooses what to stop (else C-08: all)
COMBINED_CERTIFICATE = "ISO-3"  # one certificate for the CSMS connection and ISO 15118 (SignCombinedCertificate)
EVSE_RESET = "C-13"  # a Reset may name a single EVSE
RATE_UNIT_AMPERES = "SC-2.1"  # charging profiles in A
RATE_UNIT_WATTS = "SC-2.2"  # charging profiles in W (neither claimed: both)

DEFAULT_CLAIMS = frozenset({CANCEL_LOG_UPLOAD, CANCEL_FIRMWARE_UPDATE, DOWNLOAD_DURING_TRANSACTION, SUMMARY_INVENTORY})


def parse_claims(text: str) -> frozenset[str]:
    """A comma-separated list of Part 5 ids (`C-60,AQ-7`); empty: claims nothing optional."""
    return frozenset(item.strip() for item in text.split(",") if item.strip())
