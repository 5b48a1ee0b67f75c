"""Audit-log settings: environment variables ``PIWARDEN__AUDIT__<FIELD>`` (or CLI options).

>>> AuditSettings(witness_timeout_s=3).witness_timeout_s
3.0
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AuditSettings(BaseSettings):
    """Where signed checkpoints are published and how the signing key is found."""

    model_config = SettingsConfigDict(env_prefix="PIWARDEN__AUDIT__", extra="ignore")

    signer: str = Field("default", description="Signing-key source: 'default' (PIWARDEN_AUDIT_KEY, else the "
                                               "key file), 'env', 'file', or a name a plugin's "
                                               "piwarden_audit_signer hook answers to (e.g. a KMS).")
    key_file: Path | None = Field(None, description="Signing key file for signer 'file' (default: "
                                                    "PIWARDEN_HOME/keys/audit-ed25519.key).")
    witness_dir: Path | None = Field(None, description="Directory witness: checkpoints are appended to "
                                                       "<dir>/checkpoints.jsonl (mount storage the operator "
                                                       "cannot rewrite: another party's share, WORM).")
    witness_url: str | None = Field(None, description="C2SP tlog-witness submission prefix; checkpoints are "
                                                      "POSTed to <url>/add-checkpoint.")
    witness_key: str | None = Field(None, description="The HTTP witness's cosigner verifier key (vkey, type "
                                                      "0x04); its cosignature is checked before it is kept.")
    tsa_url: str | None = Field(None, description="RFC 3161 time-stamping authority URL; each published "
                                                  "checkpoint's SHA-256 is timestamped there.")
    tsa_cert: Path | None = Field(None, description="PEM certificate of the TSA, trusted to verify its "
                                                    "timestamp tokens.")
    witness_timeout_s: float = Field(10.0, gt=0, description="Timeout in seconds for each witness or TSA "
                                                             "request.")
