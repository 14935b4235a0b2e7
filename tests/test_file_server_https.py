"""The harness's file server over HTTPS (csms.file_transfer): the CSMS's server certificate, a client that trusts
the CSMS root downloads and uploads, one that does not is refused; `for_csms` picks the scheme the lab asks for."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest

from harness.config import load_lab
from harness.ocpp.file_server import FileServer, for_csms, https_context
from harness.ocpp.tls import CsmsPki
from harness.pki import Authority
from harness.verdict import LabError
from harness.virtual.http_transfer import TransferFailed, download, upload
from tests.conftest import PROJECT

LAB = load_lab(PROJECT / "lab_setup/virtual.yaml")


def _client(root: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(root)
    return context


def test_https_round_trip_with_the_csms_root(tmp_path: Path) -> None:
    pki = CsmsPki(tmp_path, ("127.0.0.1",))
    stranger = Authority.root("Some Other Root", "secp256r1").write_certificate(tmp_path / "other.pem")

    async def scenario() -> None:
        async with FileServer(LAB, tls=https_context(pki)) as files:
            url = files.publish("fw/image.bin", b"payload")
            assert url.startswith("https://127.0.0.1:")
            assert await download(url, _client(pki.root_certificate)) == b"payload"
            await upload(files.url("logs/a.log"), b"log lines", _client(pki.root_certificate))
            arrived = await files.next_upload(1.0)
            assert arrived is not None and arrived.body == b"log lines"
            with pytest.raises(TransferFailed):
                await download(url, _client(stranger))  # a server its root does not vouch for
            with pytest.raises(TransferFailed):
                await download(url)  # https without any trusted root
            with pytest.raises(TransferFailed):
                await download(url.replace("https://", "http://"))  # plain HTTP to a TLS port

    asyncio.run(scenario())


def test_paced_download_takes_its_time(tmp_path: Path) -> None:
    async def scenario() -> float:
        async with FileServer(LAB) as files:
            url = files.publish("fw/slow.bin", b"x" * 1000, takes_s=0.5)
            loop = asyncio.get_running_loop()
            started = loop.time()
            assert await download(url) == b"x" * 1000
            return loop.time() - started

    assert asyncio.run(scenario()) >= 0.45


class _Csms:
    """What `for_csms` reads of a CsmsServer: the lab and, at security profile 2/3, its PKI."""

    def __init__(self, file_transfer: str, pki: CsmsPki | None) -> None:
        csms = LAB.csms.model_copy(update={"file_transfer": file_transfer})
        self.lab, self.pki = LAB.model_copy(update={"csms": csms}), pki


@pytest.mark.parametrize(
    ("file_transfer", "with_pki", "scheme"),
    [("auto", True, "https"), ("auto", False, "http"), ("http", True, "http"), ("https", True, "https")],
)
def test_the_lab_file_chooses_the_scheme(file_transfer: str, with_pki: bool, scheme: str, tmp_path: Path) -> None:
    pki = CsmsPki(tmp_path, ("127.0.0.1",)) if with_pki else None
    files = for_csms(_Csms(file_transfer, pki))  # type: ignore[arg-type]
    assert files.url("x").startswith(f"{scheme}://")


def test_https_without_a_csms_pki_is_a_lab_error() -> None:
    with pytest.raises(LabError):
        for_csms(_Csms("https", None))  # type: ignore[arg-type]


def test_a_slow_upload_given_up_by_the_client_never_arrives() -> None:
    async def scenario() -> None:
        async with FileServer(LAB) as files:
            files.upload_takes_s = 1.0
            abandoned = asyncio.ensure_future(upload(files.url("logs/first.log"), b"a" * 4096))
            assert await files.upload_begun(2.0)
            abandoned.cancel()  # the client gives up (a cancelled log upload, N01.FR.12)
            files.upload_takes_s = 0.0
            await upload(files.url("logs/second.log"), b"b")
            arrived = await files.next_upload(1.0)
            assert arrived is not None and arrived.path == "/logs/second.log"
            assert await files.next_upload(1.3) is None

    asyncio.run(scenario())
