"""RFC 3161 timestamps over checkpoints: build the request, send it, verify the token.

The message imprint is SHA-256 of the checkpoint text (origin, size and root lines: what the
log states, independent of which signatures the note carries later). A token proves that
this tree head existed at the TSA's ``genTime``: a log rewritten after that cannot produce a
timestamp for its new root dated before it. The TSA URL and its certificate are
configuration (``settings.py``); ASN.1 is read and written with ``asn1crypto``, signatures are
checked with ``cryptography``.
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


class _TimeStampResp(core.Sequence):
    """RFC 3161 §2.4.2 TimeStampResp; asn1crypto's own omits OPTIONAL on the token, so a
    refusal (status only) would not parse."""

    _fields: ClassVar = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


class TimestampError(ValueError):
    """A timestamp request failed or a token does not verify."""


@dataclass(frozen=True)
class Timestamp:
    """A verified token: when the TSA saw the imprint, its serial number, the DER token."""

    gen_time: datetime
    serial: int
    token: bytes


def imprint(checkpoint_text: str) -> bytes:
    return hashlib.sha256(checkpoint_text.encode()).digest()


def build_request(digest: bytes, nonce: int) -> bytes:
    """DER TimeStampReq (RFC 3161 §2.4.1) for a SHA-256 digest, asking for the TSA's certificate."""
    return tsp.TimeStampReq({"version": "v1", "nonce": nonce, "cert_req": True, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest}}).dump()


def request_timestamp(url: str, digest: bytes, timeout: float) -> tuple[bytes, int]:
    """POST a request; return the TimeStampResp DER and the nonce it must echo."""
    nonce = secrets.randbits(63)
    req = urllib.request.Request(url, data=build_request(digest, nonce), method="POST",
                                 headers={"Content-Type": "application/timestamp-query"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read(), nonce
    except OSError as exc:
        raise TimestampError(f"time-stamping authority unreachable or refused: {type(exc).__name__}") from None


def token_of(response: bytes) -> bytes:
    """The TimeStampToken of a granted TimeStampResp."""
    try:
        resp = _TimeStampResp.load(response)
        status = resp["status"]["status"].native
        token = resp["time_stamp_token"]
        _ = resp.native  # parse everything now: malformed input fails here, not later
    except (ValueError, TypeError) as exc:
        raise TimestampError(f"malformed timestamp response: {type(exc).__name__}") from None
    if status not in ("granted", "granted_with_mods") or token.native is None:
        raise TimestampError(f"time-stamping authority did not grant the request (status {status})")
    return token.dump()


def _verify_signature(signer: cms.SignerInfo, cert: x509.Certificate) -> None:
    """The signer's signature over its signed attributes (re-tagged as a SET, RFC 5652 §5.4)."""
    data = b"\x31" + signer["signed_attrs"].dump()[1:]
    algo = _HASHES.get(signer["digest_algorithm"]["algorithm"].native)
    if algo is None:
        raise TimestampError("unsupported digest algorithm in the timestamp token")
    key, sig = cert.public_key(), signer["signature"].native
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, data, padding.PKCS1v15(), algo())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sig, data, ec.ECDSA(algo()))
        else:
            raise TimestampError("unsupported TSA key type")
    except InvalidSignature:
        raise TimestampError("timestamp token signature does not verify with the TSA certificate") from None


def _check_tsa_cert(cert: x509.Certificate) -> None:
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        raise TimestampError("TSA certificate has no extended key usage") from None
    if ExtendedKeyUsageOID.TIME_STAMPING not in eku:
        raise TimestampError("TSA certificate is not for time stamping")


def verify_token(token: bytes, digest: bytes, tsa_cert_pem: bytes, nonce: int | None = None) -> Timestamp:
    """Check a TimeStampToken against the imprint, the nonce (if known) and the TSA certificate."""
    cert = x509.load_pem_x509_certificate(tsa_cert_pem)
    _check_tsa_cert(cert)
    try:
        signed = cms.ContentInfo.load(token)["content"]
        content = signed["encap_content_info"]
        if content["content_type"].native != "tst_info":
            raise TimestampError("token does not hold a TSTInfo")
        raw = content["content"].contents
        info = tsp.TSTInfo.load(raw)
        (signer,) = signed["signer_infos"]
        attrs = {a["type"].native: a["values"][0] for a in signer["signed_attrs"]}
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(f"malformed timestamp token: {type(exc).__name__}") from None
    mi = info["message_imprint"]
    if mi["hash_algorithm"]["algorithm"].native != "sha256" or mi["hashed_message"].native != digest:
        raise TimestampError("timestamp is over a different checkpoint (message imprint differs)")
    if nonce is not None and info["nonce"].native != nonce:
        raise TimestampError("timestamp response does not echo the request's nonce")
    if attrs.get("content_type") is None or attrs["content_type"].native != "tst_info":
        raise TimestampError("signed content-type attribute is not TSTInfo")
    algo = _HASHES.get(signer["digest_algorithm"]["algorithm"].native)
    if algo is None or attrs.get("message_digest") is None:
        raise TimestampError("token lacks a supported message digest")
    h = hashes.Hash(algo())
    h.update(raw)
    if attrs["message_digest"].native != h.finalize():
        raise TimestampError("signed message digest does not match the TSTInfo")
    _verify_signature(signer, cert)
    return Timestamp(info["gen_time"].native, int(info["serial_number"].native), token)


def timestamp_checkpoint(url: str, checkpoint_text: str, tsa_cert_pem: bytes, timeout: float = 10.0) -> Timestamp:
    """Request and verify a timestamp over a checkpoint; the verified token is returned."""
    digest = imprint(checkpoint_text)
    response, nonce = request_timestamp(url, digest, timeout)
    return verify_token(token_of(response), digest, tsa_cert_pem, nonce)
