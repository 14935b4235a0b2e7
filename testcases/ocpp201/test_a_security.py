"""Block A, Security: HTTP Basic credentials (A00, profiles 1 and 2) and TLS (A00, profiles 2 and 3).

The CSMS's TLS server can present broken certificates and an outdated TLS version on demand; the station must
refuse them, reconnect once the CSMS is valid again, and report the refusal as a security event.
"""

from __future__ import annotations

import re

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.tls import INVALID_CERTIFICATES
from harness.ocpp.v201 import states
from harness.ocpp.v201.network import UNUSED_SLOT, connection_data, require_server
from harness.ocpp.v201.profile_upgrade import at_security_profile_3
from harness.ocpp.v201.security import (
    DESCRIPTIONS,
    reconnects_and_reports,
    require_tls_1_2_or_newer,
    station_refuses,
    tls_server,
)
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure

BLOCK = "A Security"
# identifierString (Part 2 §2.1.2): letters, digits and * - _ = : + | @ .
IDENTIFIER_STRING = re.compile(r"^[A-Za-z0-9*\-_=:+|@.]+$")
MIN_EC_BITS, MIN_RSA_BITS = 224, 2048


@ocpp201_case(
    "TC_A_01_CS", "HTTP Basic credentials of the station are well formed", BLOCK, ["A00", "B01"],
    ["A00.FR.202", "A00.FR.203", "A00.FR.204", "A00.FR.205", "A00.FR.301", "A00.FR.302", "A00.FR.304"],
    needs=["security_profile:1,2"],
)  # fmt: skip
async def test_TC_A_01_CS(ctx: CaseContext) -> None:
    """After a reboot the upgrade request carries `Basic base64(<identity>:<password>)`, the identity being the
    last segment of the URL and the password 16-40 identifierString characters."""
    server = require_server(ctx)
    await states.booted(ctx)
    credentials = server.last_basic_auth
    require(credentials is not None, "the station's WebSocket upgrade request had no HTTP Basic Authorization header")
    assert credentials is not None
    require_equal(credentials.user, credentials.path_identity, "Basic user name (must be the URL's station identity)")
    length = len(credentials.password)
    require(16 <= length <= 40, f"the Basic password has {length} characters; 16 to 40 are allowed")
    require(
        IDENTIFIER_STRING.match(credentials.password) is not None,
        "the Basic password holds characters outside identifierString",
    )


@ocpp201_case(
    "TC_A_04_CS", "TLS: the station connects to a CSMS with a valid server certificate", BLOCK, ["A00"],
    ["A00.FR.309", "A00.FR.312", "A00.FR.313", "A00.FR.319", "A00.FR.321", "A00.FR.412", "A00.FR.422"],
    needs=["security_profile:2,3"],
)  # fmt: skip
async def test_TC_A_04_CS(ctx: CaseContext) -> None:
    server = tls_server(ctx)
    await states.booted(ctx)
    require_tls_1_2_or_newer(server)


@ocpp201_case(
    "TC_A_05_CS", "TLS: an invalid CSMS certificate is refused and reported", BLOCK, ["A00"],
    ["A00.FR.309", "A00.FR.310", "A00.FR.311", "A00.FR.412", "A00.FR.413", "A00.FR.414"],
    needs=["security_profile:2,3"],
)  # fmt: skip
async def test_TC_A_05_CS(ctx: CaseContext) -> None:
    """Three rounds, one per kind of invalid certificate: unknown CA, expired, a name that is not the CSMS's.

    Each round: the station must try, refuse, come back when the certificate is valid again, and send a
    SecurityEventNotification InvalidCsmsCertificate.
    """
    await configure(ctx.csms, [("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "2")])
    for variant in INVALID_CERTIFICATES:
        ctx.csms.evidence.action(f"round: the CSMS presents {DESCRIPTIONS[variant]}")
        await station_refuses(ctx, variant)
        await reconnects_and_reports(ctx, "InvalidCsmsCertificate")


@ocpp201_case(
    "TC_A_06_CS", "TLS: a CSMS offering only TLS below 1.2 is refused", BLOCK, ["A00"],
    ["A00.FR.314", "A00.FR.316", "A00.FR.416", "A00.FR.417", "A00.FR.419"],
    needs=["security_profile:2,3"],
)  # fmt: skip
async def test_TC_A_06_CS(ctx: CaseContext) -> None:
    """The InvalidTLSVersion event is optional (a station may not see why the handshake failed); the refusal is not."""
    await configure(ctx.csms, [("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "1")])
    await station_refuses(ctx, "tls_1_1")
    seen = await reconnects_and_reports(ctx, None)
    ctx.csms.evidence.note(f"security events after the reconnection: {seen}")


@ocpp201_case(
    "TC_A_07_CS", "TLS: the station presents a valid client certificate", BLOCK, ["A00"],
    ["A00.FR.401", "A00.FR.402", "A00.FR.415", "A00.FR.416", "A00.FR.422", "A00.FR.502", "A00.FR.503"],
    needs=["security_profile:2,3"],
)  # fmt: skip
async def test_TC_A_07_CS(ctx: CaseContext) -> None:
    """Certificate checks of A00: a serial number, CN = the station's serial number, key size.

    A station the DUT profile runs at profile 2 is raised to 3 first (A05): the boot after that raise is the
    Booting state of this case, over the connection with the certificate the CSMS signed."""
    server = tls_server(ctx)
    if ctx.profile.ocpp.security_profile == 3:
        await states.booted(ctx)
    else:
        await at_security_profile_3(ctx)
    require_tls_1_2_or_newer(server)
    certificate = server.client_certificate
    require(certificate is not None, "the station presented no client certificate")
    assert certificate is not None
    ctx.csms.evidence.measurement("client certificate", {"subject": certificate.subject, "key": certificate.key})
    require(certificate.serial_number > 0, "the client certificate has no serial number")
    require_equal(certificate.common_name, ctx.profile.identity.serial, "client certificate commonName")
    minimum = MIN_RSA_BITS if certificate.key.upper().startswith(("RSA", "DSA")) else MIN_EC_BITS
    require(
        certificate.key_bits >= minimum,
        f"the client certificate's {certificate.key} key has {certificate.key_bits} bits; at least {minimum} needed",
    )


@ocpp201_case(
    "TC_A_22_CS", "A network profile with a lower security profile is rejected", BLOCK, ["A05", "B09"],
    ["B09.FR.04"], needs=["security_profile:2,3"],
)  # fmt: skip
async def test_TC_A_22_CS(ctx: CaseContext) -> None:
    active = ctx.profile.ocpp.security_profile
    server = tls_server(ctx)
    lower = connection_data(ctx, server.url.replace("wss://", "ws://", 1) if active == 2 else server.url, active - 1)
    answer = await ctx.csms.call("SetNetworkProfile", {"configurationSlot": UNUSED_SLOT, "connectionData": lower})
    require_equal(answer.get("status"), "Rejected", f"SetNetworkProfileResponse status (security profile {active - 1})")
