"""Blocks L and N on the virtual station's side: the file server round trip, the firmware signature check and the
monitors (without a CSMS: each piece on its own)."""

from __future__ import annotations

import asyncio

import pytest
from cryptography import x509

from harness.config import load_lab
from harness.ocpp.file_server import FileServer
from harness.ocpp.v201.firmware_steps import new_image, sign_firmware
from harness.pki import Authority
from harness.virtual.firmware import signature_valid
from harness.virtual.http_transfer import TransferFailed, download, upload
from tests.conftest import PROJECT

LAB = load_lab(PROJECT / "lab_setup/virtual.yaml")


def test_download_upload_and_refusals() -> None:
    async def scenario() -> None:
        async with FileServer(LAB) as files:
            url = files.publish("fw/image.bin", b"payload")
            assert await download(url) == b"payload"
            with pytest.raises(TransferFailed):
                await download(url + "_does_not_exist")
            await upload(files.url("logs/a.log"), b"log lines")
            arrived = await files.next_upload(1.0)
            assert arrived is not None and arrived.path == "/logs/a.log" and arrived.body == b"log lines"
            files.refuse_uploads = True
            with pytest.raises(TransferFailed):
                await upload(files.url("logs/b.log"), b"x")
            assert len(files.refused) == 1 and await files.next_upload(0.1) is None

    asyncio.run(scenario())


def test_signature_check_uses_the_downloaded_bytes() -> None:
    firmware = sign_firmware(Authority.root("Test Manufacturer", "secp256r1"), new_image())
    certificate = x509.load_pem_x509_certificate(firmware.signing_certificate.encode())
    assert signature_valid(certificate, firmware.signature, firmware.content)
    assert not signature_valid(certificate, firmware.signature, firmware.content[:-1] + b"\0")
    assert not signature_valid(certificate, "not base64!", firmware.content)
