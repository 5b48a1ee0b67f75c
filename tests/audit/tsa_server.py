"""A test time-stamping authority (RFC 3161) on 127.0.0.1: an RSA key, a self-signed
certificate with the timeStamping extended key usage (both from ``cryptography``), and a
handler that answers a TimeStampReq with a TimeStampResp whose token is CMS SignedData over
a TSTInfo, with content-type and message-digest signed attributes (RFC 3161 §2.4.2, RFC 5652).
``misbehave`` makes it answer wrongly, for the verifier's negative tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .witness_server import serve

POLICY = "1.3.6.1.4.1.99999.1"


def make_tsa_cert(eku: bool = True) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "piwarden test TSA")])
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
               .not_valid_after(now + dt.timedelta(days=30)))
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return key, builder.sign(key, hashes.SHA256())


class LocalTSA:
    def __init__(self, misbehave: str | None = None, eku: bool = True) -> None:
        self.key, self.cert = make_tsa_cert(eku)
        self.misbehave = misbehave  # None, "nonce", "imprint", "reject", "signature"
        self._serial = itertools.count(1)

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def respond(self, request_der: bytes) -> bytes:
        req = tsp.TimeStampReq.load(request_der)
        if self.misbehave == "reject":
            status = tsp.PKIStatusInfo({"status": "rejection"}).dump()  # no token: asn1crypto won't omit it
            return b"\x30" + bytes([len(status)]) + status
        imprint = req["message_imprint"]["hashed_message"].native
        if self.misbehave == "imprint":
            imprint = hashlib.sha256(imprint).digest()
        nonce = req["nonce"].native + (1 if self.misbehave == "nonce" else 0)
        info = tsp.TSTInfo({"version": "v1", "policy": POLICY, "serial_number": next(self._serial),
                            "gen_time": dt.datetime.now(dt.UTC), "nonce": nonce, "message_imprint": {
                                "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": imprint}})
        raw = info.dump()
        attrs = cms.CMSAttributes([
            cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
            cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(raw).digest()]}),
        ])
        signature = self.key.sign(attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        if self.misbehave == "signature":
            signature = bytes([signature[0] ^ 1]) + signature[1:]
        cert = asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))
        signer = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
                "issuer": cert.issuer, "serial_number": cert.serial_number})}),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            "signature": signature,
        })
        signed = cms.SignedData({
            "version": "v3", "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(raw)},
            "certificates": [cert], "signer_infos": [signer]})
        token = cms.ContentInfo({"content_type": "signed_data", "content": signed})
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()


@contextmanager
def running_tsa(tsa: LocalTSA) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            data = tsa.respond(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    with serve(Handler) as url:
        yield url + "/tsa"
