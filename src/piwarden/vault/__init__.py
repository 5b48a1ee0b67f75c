"""The PI vault: records held encrypted, read only through decisions, every decision in the audit log.

``open_vault`` gives a ``VaultRuntime`` (the ``Vault`` and its ``Identities``); the service's
routers (``piwarden.server.routers.vault``) and ``piwarden vault`` commands use it.
docs/vault.md is the guide: record types, keys, the policy, the audit guarantee, the API.
"""

from __future__ import annotations

from piwarden.vault.policy import Ask, Decision, Policy, PolicyFileError, bundled_policy, load_policy_file
from piwarden.vault.record_types import RecordType, RecordTypeError, bundled_record_types, load_record_types
from piwarden.vault.runtime import VaultRuntime, open_vault
from piwarden.vault.service import (
    Answer,
    BadRequest,
    Caller,
    Erased,
    NotFound,
    OverQuota,
    Refused,
    Vault,
    View,
    Written,
)

__all__ = ["Answer", "Ask", "BadRequest", "Caller", "Decision", "Erased", "NotFound", "OverQuota", "Policy",
           "PolicyFileError", "RecordType", "RecordTypeError", "Refused", "Vault", "VaultRuntime", "View", "Written",
           "bundled_policy", "bundled_record_types", "load_policy_file", "load_record_types", "open_vault"]
