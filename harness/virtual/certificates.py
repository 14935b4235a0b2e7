"""The virtual station's certificate store (M03 GetInstalledCertificateIds, M04 DeleteCertificate, M05
InstallCertificate).

It leaves the factory with the CSMS root it was given, and with an SECC doing TLS also the V2G root and the SECC's
V2GCertificateChain. Like a real store it survives reboots and power cycles (it is kept in memory for the life of
the process) and only a factory reset restores the factory content. An installed CA certificate must parse, be a
self-signed CA and be inside its validity period; the station's own certificate and its last CSMS root cannot be
deleted. The hash data are computed here on their own (not with the harness's helper) so that a mistake on one side
shows up as a mismatch instead of cancelling out.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from harness.virtual import faults as F
from harness.virtual.dm_catalog import MAX_CERTIFICATE_ENTRIES
from harness.virtual.faults import FaultSet
from harness.virtual.secc.tls import SECC_CHAIN_FILE
from harness.virtual.tls import StationTls

if TYPE_CHECKING:
    from harness.virtual.secc.server import SeccServer

log = logging.getLogger("harness.virtual")

CSMS_ROOT = "CSMSRootCertificate"
V2G_ROOT = "V2GRootCertificate"
V2G_CHAIN = "V2GCertificateChain"
STATION_CERTIFICATE = "ChargingStationCertificate"  # deletable never, listed never (not a GetCertificateIdUse)
_HASHES: dict[str, Callable[[bytes], Any]] = {
    "SHA256": hashlib.sha256,
    "SHA384": hashlib.sha384,
    "SHA512": hashlib.sha512,
}


@dataclass(frozen=True)
class Installed:
    """One stored certificate with the certificate that issued it (itself for a root) and, for a
    V2GCertificateChain, the sub-CAs below the leaf, each with its own issuer."""

    certificate_type: str
    certificate: x509.Certificate
    issuer: x509.Certificate
    children: tuple[tuple[x509.Certificate, x509.Certificate], ...] = ()

    @property
    def size(self) -> int:
        return 1 + len(self.children)


@dataclass(frozen=True)
class FactoryCertificates:
    """Where the certificates the station leaves the factory with are (None: not fitted)."""

    csms_root: Path | None = None  # also: the station connects over TLS, so its last CSMS root must stay
    station_certificate: Path | None = None
    v2g_root: Callable[[], Path | None] = lambda: None
    v2g_chain: Callable[[], Path | None] = lambda: None


def factory_for(tls: StationTls | None, secc: SeccServer | None) -> FactoryCertificates:
    """The factory content of a station with this TLS provisioning and SECC (whose PKI exists once it started)."""

    def v2g_root() -> Path | None:
        return secc.v2g_root if secc is not None else None

    def v2g_chain() -> Path | None:
        pki = secc.config.pki_dir if secc is not None and secc.v2g_root is not None else None
        return pki / SECC_CHAIN_FILE if pki is not None else None

    if tls is None:
        return FactoryCertificates(v2g_root=v2g_root, v2g_chain=v2g_chain)
    return FactoryCertificates(tls.csms_root, tls.client_certificate, v2g_root, v2g_chain)


def hash_data(
    certificate: x509.Certificate, issuer: x509.Certificate, algorithm: str = "SHA256", *, whole_key: bool = False
) -> dict[str, str]:
    """CertificateHashDataType: hashes of the issuer's DER name and of its public key bits, serial in hex.

    `whole_key` is the certificate-ids-wrong-key-hash fault: the whole SubjectPublicKeyInfo is hashed.
    """
    digest = _HASHES[algorithm]
    key = issuer.public_key()
    if whole_key:
        key_bits = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    else:
        key_bits = _key_bits(key)
    return {
        "hashAlgorithm": algorithm,
        "issuerNameHash": digest(certificate.issuer.public_bytes()).hexdigest(),
        "issuerKeyHash": digest(key_bits).hexdigest(),
        "serialNumber": format(certificate.serial_number, "x"),
    }


def _key_bits(key: Any) -> bytes:
    """The content of subjectPublicKey (the BIT STRING without its unused-bits octet), per key type."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    if isinstance(key, (ed448.Ed448PublicKey, ed25519.Ed25519PublicKey)):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raise ValueError(f"unsupported public key {type(key).__name__}")


def _same(reported: dict[str, Any], mine: dict[str, str]) -> bool:
    """Hex case and the serial's leading zeroes do not matter."""
    if reported.get("hashAlgorithm") != mine["hashAlgorithm"]:
        return False
    if any(str(reported.get(f, "")).lower() != mine[f] for f in ("issuerNameHash", "issuerKeyHash")):
        return False
    return str(reported.get("serialNumber", "")).lower().lstrip("0") == mine["serialNumber"].lstrip("0")


def issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    if certificate.issuer != issuer.subject:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


class CertificateStore:
    """The certificates the station holds; `reset` puts back the factory content."""

    def __init__(self, factory: FactoryCertificates, faults: FaultSet) -> None:
        self._factory, self._faults = factory, faults
        self._entries: list[Installed] | None = None  # loaded on first use: the SECC's PKI appears when it starts
        self.on_csms_roots_changed: Callable[[], None] = lambda: None  # the TLS client trusts what is installed
        # AS-2 (root_check.py): the hook may take a new CSMS root over (replacing the old one, which stays as the
        # fallback root until the station connected with the new one); None leaves it to the plain rules below.
        self.install_csms_root: Callable[[x509.Certificate], dict[str, Any] | None] = lambda certificate: None
        self.fallback_csms_root: x509.Certificate | None = None

    def reset(self) -> None:
        self._entries = None
        self.fallback_csms_root = None
        self.on_csms_roots_changed()

    def trust_anchors(self) -> tuple[str, str | None]:
        """PEM of the CSMS roots a TLS handshake trusts, and of the fallback root (AS-2) when one is kept."""
        fallback = self.fallback_csms_root
        roots = [r for r in self.roots(CSMS_ROOT) if r != fallback]
        primary = "".join(_pem(r) for r in roots)
        return primary, _pem(fallback) if fallback is not None and fallback in self.roots(CSMS_ROOT) else None

    def drop_fallback_root(self) -> None:
        """M05.FR.13: the station connected with the new CSMS root, so the one it replaced goes."""
        fallback, self.fallback_csms_root = self.fallback_csms_root, None
        self.entries[:] = [e for e in self.entries if e.certificate_type != CSMS_ROOT or e.certificate != fallback]
        self.on_csms_roots_changed()

    def csms_roots_pem(self) -> str:
        roots = self.roots(CSMS_ROOT)
        return "".join(r.public_bytes(serialization.Encoding.PEM).decode("ascii") for r in roots)

    @property
    def entries(self) -> list[Installed]:
        if self._entries is None:
            self._entries = self._load_factory()
        return self._entries

    def count(self) -> int:
        """SecurityCtrlr.CertificateEntries: every certificate held, sub-CAs of a chain included."""
        return sum(entry.size for entry in self.entries)

    # ------------------------------------------------------------ M05 InstallCertificate

    def install(self, payload: dict[str, Any]) -> dict[str, Any]:
        certificate_type = payload["certificateType"]
        try:
            certificate = x509.load_pem_x509_certificate(payload["certificate"].encode())
        except ValueError:
            return _refused("Rejected", "InvalidCertificate", "not a PEM encoded X.509 certificate")
        if certificate_type == CSMS_ROOT:
            replaced = self.install_csms_root(certificate)
            if replaced is not None:
                return replaced
        problem = self._install_problem(certificate)
        if problem is not None:
            log.info("InstallCertificate %s refused: %s", certificate_type, problem)
            return _refused("Rejected", "InvalidCertificate", problem)
        if any(e.certificate_type == certificate_type and e.certificate == certificate for e in self.entries):
            return {"status": "Accepted"}  # already there: installing again changes nothing
        if self.count() >= MAX_CERTIFICATE_ENTRIES:
            return _refused("Failed", "OutOfStorage", f"the store holds {MAX_CERTIFICATE_ENTRIES} certificates")
        if not self._faults.active(F.CERTIFICATE_INSTALL_NOT_STORED):
            self.entries.append(Installed(certificate_type, certificate, certificate))
            if certificate_type == CSMS_ROOT:
                self.on_csms_roots_changed()
        log.info("installed %s %s", certificate_type, certificate.subject.rfc4514_string())
        return {"status": "Accepted"}

    def _install_problem(self, certificate: x509.Certificate) -> str | None:
        now = datetime.datetime.now(datetime.UTC)
        in_period = certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc
        if not in_period and not self._faults.active(F.CERTIFICATE_INSTALL_ACCEPTS_EXPIRED):
            return "outside its validity period"
        if not _is_ca(certificate):
            return "not a CA certificate"
        if not issued_by(certificate, certificate):
            return "not a self-signed root (or its signature does not verify)"
        return None

    # ------------------------------------------------------------ M03 GetInstalledCertificateIds

    def installed_ids(self, payload: dict[str, Any]) -> dict[str, Any]:
        wanted = payload.get("certificateType")
        if self._faults.active(F.CERTIFICATE_IDS_TYPE_FILTER_IGNORED):
            wanted = None
        matching = [e for e in self.entries if e.certificate_type != STATION_CERTIFICATE]
        if wanted is not None:
            matching = [e for e in matching if e.certificate_type in wanted]
        if not matching:
            return {"status": "NotFound"}
        return {"status": "Accepted", "certificateHashDataChain": [self._chain_entry(e) for e in matching]}

    def _chain_entry(self, entry: Installed) -> dict[str, Any]:
        whole_key = self._faults.active(F.CERTIFICATE_IDS_WRONG_KEY_HASH)
        item: dict[str, Any] = {
            "certificateType": entry.certificate_type,
            "certificateHashData": hash_data(entry.certificate, entry.issuer, whole_key=whole_key),
        }
        if entry.children and not self._faults.active(F.CERTIFICATE_CHAIN_WITHOUT_CHILDREN):
            item["childCertificateHashData"] = [
                hash_data(child, issuer, whole_key=whole_key) for child, issuer in entry.children
            ]
        return item

    # ------------------------------------------------------------ M04 DeleteCertificate

    def delete(self, payload: dict[str, Any]) -> dict[str, Any]:
        wanted = payload["certificateHashData"]
        for entry in self.entries:
            if not _same(wanted, hash_data(entry.certificate, entry.issuer, wanted["hashAlgorithm"])):
                continue
            own = entry.certificate_type == STATION_CERTIFICATE
            if own and not self._faults.active(F.STATION_CERTIFICATE_DELETABLE):
                return _refused("Failed", "NotSupported", "the station's own certificate cannot be deleted")
            roots = [e for e in self.entries if e.certificate_type == CSMS_ROOT]
            if entry.certificate_type == CSMS_ROOT and len(roots) == 1 and self._factory.csms_root is not None:
                # Without a CSMS root the station could never connect again over TLS.
                return _refused("Failed", "NotSupported", "the last CSMS root certificate cannot be deleted")
            if not self._faults.active(F.CERTIFICATE_DELETE_NOT_PERFORMED):
                self.entries.remove(entry)
                if entry.certificate_type == CSMS_ROOT:
                    self.on_csms_roots_changed()
            log.info("deleted %s %s", entry.certificate_type, entry.certificate.subject.rfc4514_string())
            return {"status": "Accepted"}
        if self._faults.active(F.CERTIFICATE_DELETE_UNKNOWN_ACCEPTED):
            return {"status": "Accepted"}
        return {"status": "NotFound"}

    def roots(self, certificate_type: str) -> list[x509.Certificate]:
        return [e.certificate for e in self.entries if e.certificate_type == certificate_type]

    def replace_station_certificate(self, certificate: x509.Certificate, issuer: x509.Certificate) -> None:
        """A renewed ChargingStationCertificate (A02) takes the place of the one the station had, if any."""
        self.entries[:] = [e for e in self.entries if e.certificate_type != STATION_CERTIFICATE]
        self.entries.append(Installed(STATION_CERTIFICATE, certificate, issuer))

    def remove_station_certificate(self) -> None:
        """Removed outside OCPP (Part 5 AQ-3), which DeleteCertificate may never do."""
        self.entries[:] = [e for e in self.entries if e.certificate_type != STATION_CERTIFICATE]

    def replace_v2g_chain(self, linked: list[tuple[x509.Certificate, x509.Certificate]]) -> None:
        """A renewed V2G certificate (leaf first, each with its issuer) takes the place of the old chain."""
        self.entries[:] = [e for e in self.entries if e.certificate_type != V2G_CHAIN]
        self.entries.append(Installed(V2G_CHAIN, linked[0][0], linked[0][1], tuple(linked[1:])))

    # ------------------------------------------------------------ factory content

    def _load_factory(self) -> list[Installed]:
        factory = self._factory
        loaded: list[Installed] = []
        csms_root = _read_one(factory.csms_root)
        if csms_root is not None:
            loaded.append(Installed(CSMS_ROOT, csms_root, csms_root))
            station = _read_one(factory.station_certificate)
            if station is not None:
                loaded.append(Installed(STATION_CERTIFICATE, station, csms_root))
        v2g_root = _read_one(factory.v2g_root())
        if v2g_root is not None:
            loaded.append(Installed(V2G_ROOT, v2g_root, v2g_root))
        chain = _read_all(factory.v2g_chain())
        if chain:
            known = [*chain, *([v2g_root] if v2g_root is not None else [])]
            linked = [(c, next((i for i in known if issued_by(c, i)), c)) for c in chain]
            loaded.append(Installed(V2G_CHAIN, linked[0][0], linked[0][1], tuple(linked[1:])))
        return loaded


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _refused(status: str, reason: str, detail: str) -> dict[str, Any]:
    return {"status": status, "statusInfo": {"reasonCode": reason, "additionalInfo": detail[:512]}}


def _read_all(path: Path | None) -> list[x509.Certificate]:
    if path is None or not path.is_file():
        return []
    return list(x509.load_pem_x509_certificates(path.read_bytes()))


def _read_one(path: Path | None) -> x509.Certificate | None:
    certificates = _read_all(path)
    return certificates[0] if certificates else None
