"""The schemas the grammars are generated from: where they come from and their SHA-256.

ISO's licence lets us use the -20 schemas but not redistribute them, so they are never committed: the generator
takes them from the PyPI wheel below at generation time and refuses any file whose digest differs.
"""

from __future__ import annotations

WHEEL_REQUIREMENT = "iso15118==0.31.2"
WHEEL_NAME = "iso15118-0.31.2-py3-none-any.whl"

SCHEMA_SHA256 = {
    "iso15118/shared/schemas/V2G_CI_AppProtocol.xsd": (
        "b6d0a1be3067a6ec9f0507ff5eb8629bad6579ae2a8e0537db0abfe37741b512"
    ),
    "iso15118/shared/schemas/xmldsig-core-schema.xsd": (
        "35cf8197da812c85e40d57891b35c94187569ed474a2dac813ce5090dafcd35c"
    ),
    "iso15118/shared/schemas/iso15118_20/V2G_CI_AC.xsd": (
        "3a67df5893f446060ef112c09818c7bf59dc1d3f9ec3b7a194e7616e59c0eaba"
    ),
    "iso15118/shared/schemas/iso15118_20/V2G_CI_ACDP.xsd": (
        "f0f840697971fa531f92c9d921595cc46a2a2908c6625bc5dd206e94aac239ec"
    ),
    "iso15118/shared/schemas/iso15118_20/V2G_CI_CommonMessages.xsd": (
        "5cd9390e1fbc7eb4ef289cd21cc973012b8ce2c07927216380a58bc16326348b"
    ),
    "iso15118/shared/schemas/iso15118_20/V2G_CI_CommonTypes.xsd": (
        "3a1e442fcf4dba9c9c2a3125ba133b853bad02931a989b4eec7f8bdd66d904fe"
    ),
    "iso15118/shared/schemas/iso15118_20/V2G_CI_DC.xsd": (
        "050b1393bd70c5b0f0408801c4963741e9553c34b6435070017f76dfcc708a63"
    ),
    "iso15118/shared/schemas/iso15118_20/V2G_CI_WPT.xsd": (
        "cae7b9d323b6ea6e69b949fa502c23b65bc43a3a54fea85c855a491817c5beec"
    ),
}

# Generated module name -> (root schema file, namespace it encodes).
NAMESPACES = {
    "app_protocol": ("V2G_CI_AppProtocol.xsd", "urn:iso:15118:2:2010:AppProtocol"),
    "common_messages": ("V2G_CI_CommonMessages.xsd", "urn:iso:std:iso:15118:-20:CommonMessages"),
    "dc": ("V2G_CI_DC.xsd", "urn:iso:std:iso:15118:-20:DC"),
    "ac": ("V2G_CI_AC.xsd", "urn:iso:std:iso:15118:-20:AC"),
    "wpt": ("V2G_CI_WPT.xsd", "urn:iso:std:iso:15118:-20:WPT"),
    "acdp": ("V2G_CI_ACDP.xsd", "urn:iso:std:iso:15118:-20:ACDP"),
    # xmldsig on its own: the grammar SignedInfo fragments are encoded with (as the Java reference codec does).
    "xmldsig": ("xmldsig-core-schema.xsd", "http://www.w3.org/2000/09/xmldsig#"),
}
