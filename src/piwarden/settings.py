"""piwarden's settings: one object, built once, from defaults, ``piwarden.toml``, the environment and flags.

Sources, lowest to highest precedence:

1. the defaults below;
2. ``piwarden.toml`` in the home: one table per section (``[database]``, ``[keys]``,
   ``[audit]``, ...); a relative path there is relative to the home;
3. the environment: ``PIWARDEN__<SECTION>__<FIELD>`` (``PIWARDEN__HOME`` for the home) and the
   older names in ``LEGACY_ENV`` (``PIWARDEN_HOME``, ``PIWARDEN_DB``, ``PIWARDEN_MASK_KEY``, ...),
   which keep working; where both are set the ``PIWARDEN__`` name wins. Empty values count as unset;
4. command-line flags, given to ``load_settings`` as keyword arguments.

The home is resolved first (flag, environment, ``~/.piwarden``) because the toml file lives in
it. This module is the one place piwarden reads the environment: library code takes a
``Settings`` from its caller, or ``get_settings()`` when called without one.
``docs/configuration.md`` lists every setting.

>>> s = load_settings(home="/srv/piwarden", database={"url": "sqlite://"}, audit={"witness_timeout_s": 3})
>>> s.audit.witness_timeout_s, s.cache_dir
(3.0, PosixPath('/srv/piwarden/cache'))
>>> s.database.url
SecretStr('**********')
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources import InitSettingsSource

ENV_PREFIX = "PIWARDEN__"
TOML_NAME = "piwarden.toml"
LEGACY_ENV = {  # variables piwarden read before it had one settings object: still read, same meaning
    "PIWARDEN_HOME": "home",
    "PIWARDEN_DB": "database.url",
    "PIWARDEN_MASK_KEY": "keys.mask_key",
    "PIWARDEN_AUDIT_KEY": "keys.audit_key",
    "PIWARDEN_HONEYTOKEN_KEY": "keys.honeytoken_key",
    "PIWARDEN_AUDIT_TOKEN": "service.token",
}


class SettingsError(ValueError):
    """Settings that cannot be read or do not validate: names the file or variable, never a value."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)


class DatabaseSection(_Section):
    """The piwarden database."""

    url: SecretStr | None = Field(default=None, description="SQLAlchemy URL of the piwarden database (it may hold a "
                                                             "password); default: the SQLite file piwarden.db in the home.")


class KeysSection(_Section):
    """Key values and the key provider (``piwarden.keys``); without a value, the key file in HOME/keys is used."""

    mask_key: SecretStr | None = Field(default=None, description="Master key of the keyed masking operators (base64url "
                                                                  "or hex of 32 bytes); else HOME/keys/mask.key, created "
                                                                  "on first use.")
    audit_key: SecretStr | None = Field(default=None, description="The audit log's signing key (signed-note private key "
                                                                   "text); else HOME/keys/audit-ed25519.key, created on "
                                                                   "first use by signer 'default'.")
    honeytoken_key: SecretStr | None = Field(default=None, description="Secret from which honeytoken canaries are "
                                                                        "derived; else HOME/keys/honeytoken.key if present.")
    provider: str | None = Field(default=None, description="Key-provider source (a plugin answering the "
                                                           "piwarden_key_provider hook, e.g. a KMS) asked for keys that "
                                                           "have neither a value nor a key file.")


class AuditSection(_Section):
    """Where signed checkpoints are published and how the signing key is found."""

    signer: str = Field(default="default", description="Signing-key source: 'default' (keys.audit_key, else the key "
                                                       "file), 'env', 'file', or a name a plugin's "
                                                       "piwarden_audit_signer hook answers to (e.g. a KMS).")
    key_file: Path | None = Field(default=None, description="Signing key file for signers 'default' and 'file' (default: "
                                                            "HOME/keys/audit-ed25519.key).")
    witness_dir: Path | None = Field(default=None, description="Directory witness: checkpoints are appended to "
                                                               "<dir>/checkpoints.jsonl (mount storage the operator "
                                                               "cannot rewrite: another party's share, WORM).")
    witness_url: str | None = Field(default=None, description="C2SP tlog-witness submission prefix; checkpoints are "
                                                              "POSTed to <url>/add-checkpoint.")
    witness_key: str | None = Field(default=None, description="The HTTP witness's cosigner verifier key (vkey, type "
                                                              "0x04); its cosignature is checked before it is kept.")
    tsa_url: str | None = Field(default=None, description="RFC 3161 time-stamping authority URL; each published "
                                                          "checkpoint's SHA-256 is timestamped there.")
    tsa_cert: Path | None = Field(default=None, description="PEM certificate of the TSA, trusted to verify its "
                                                            "timestamp tokens.")
    witness_timeout_s: float = Field(default=10.0, gt=0, description="Timeout in seconds for each witness or TSA "
                                                                     "request.")


class ServiceSection(_Section):
    """The HTTP service (``piwarden audit serve``)."""

    host: str = Field(default="127.0.0.1", description="Address the service listens on.")
    port: int = Field(default=8470, ge=0, le=65535, description="TCP port the service listens on.")
    token: SecretStr | None = Field(default=None, description="Bearer token that POST requests must carry (unset: no "
                                                              "token needed; set it whenever others can reach the port).")


class DetectSection(_Section):
    """Detection."""

    cache_dir: Path | None = Field(default=None, description="Where compiled prefilter databases are kept between runs "
                                                             "(default: HOME/cache).")


def regular_expression(value: str) -> str:
    """``value`` if it compiles as a regular expression, else a ValueError saying why (a setting's check, and the
    command-line option's that overrides it)."""
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    return value


class ForensicsSection(_Section):
    """Forensics."""

    documents_dir: Path | None = Field(default=None, description="Index of certification documents (`forensics "
                                                                 "documents`; default: HOME/documents).")
    incident_tickets: str | None = Field(default=None, description="Regular expression (matched at the start) of the "
                                                               "ticket ids that may open many people the day they are "
                                                               "first cited (incident tickets, e.g. '^INC-'); when set, "
                                                               "any other ticket opening 8 or more people on its first "
                                                               "day alerts (`forensics anomalies | watch`, "
                                                               "context.wide_ticket). Unset: no such alarm.")

    @field_validator("incident_tickets")
    @classmethod
    def _a_pattern(cls, value: str | None) -> str | None:
        return None if value is None else regular_expression(value)


class VaultSection(_Section):
    """The PI vault (``piwarden.vault``, docs/vault.md): record types, access policy, key store, sessions."""

    record_types: Path | None = Field(default=None, description="YAML file declaring the vault's record types "
                                                                 "(default: the bundled demo-platform types).")
    policy: Path | None = Field(default=None, description="YAML file of the vault's access policy (default: the "
                                                          "bundled policy).")
    keystore_url: SecretStr | None = Field(default=None, description="SQLAlchemy URL of the vault's key store (wrapped "
                                                                     "data keys and subject keys), kept apart from the "
                                                                     "data so a data backup holds no key; default: "
                                                                     "SQLite HOME/keys/vault-keys.db.")
    platform_tenant: str = Field(default="platform", min_length=1, description="The tenant of the platform's own "
                                                                               "staff and services: the only one that "
                                                                               "may create records for other tenants.")
    session_ttl_s: int = Field(default=8 * 3600, gt=0, description="Lifetime in seconds of a staff session token.")
    outbox_lease_s: float = Field(default=60.0, gt=0, description="Seconds after which an access event left in the "
                                                                  "outbox by a request that did not finish is "
                                                                  "drained into the audit log by another worker.")
    redis_url: SecretStr | None = Field(default=None, description="Redis URL (redis://host:6379/0) holding the "
                                                                  "quota counters, shared by every worker and host; "
                                                                  "default: the piwarden database.")
    alert_webhook: str | None = Field(default=None, description="URL that each vault alert (a quota exceeded) is "
                                                                "POSTed to as JSON, besides the vault_alerts table.")
    oidc_issuer: str | None = Field(default=None, description="OIDC login: the identity provider's issuer "
                                                              "(the ID token's iss); unset: no OIDC login.")
    oidc_audience: str | None = Field(default=None, description="OIDC login: the client id the ID tokens must be "
                                                                "issued for (aud).")
    oidc_jwks: str | None = Field(default=None, description="OIDC login: the provider's signing keys, a JWKS file or "
                                                            "its jwks_uri (https://), fetched and cached 5 minutes.")
    oidc_claim: str = Field(default="preferred_username", min_length=1, description="OIDC login: the ID token claim "
                                                                                    "that names the piwarden staff "
                                                                                    "account.")
    virtual_numbers: list[str] = Field(default=["17000000001..17000000099"], min_length=1, description=(
        "The pool of virtual numbers rented from a carrier for privacy waybills: numbers (17000000001) and inclusive "
        "ranges (17000000000..17000000999); the default is a demonstration pool."))
    virtual_extension_digits: int = Field(default=0, ge=0, le=4, description=(
        "Extension digits after each pool number (the carrier's AXE mode: 17000000001-1234); 0: numbers alone."))
    virtual_number_ttl_s: int = Field(default=3 * 86400, gt=0, le=30 * 86400, description=(
        "Default lifetime in seconds of a virtual-number binding (a binding may ask for less or more, up to 30 days)."))
    virtual_number_quiet_s: int = Field(default=86400, ge=0, description=(
        "Seconds after a binding ends before its number may be bound to another buyer (the same buyer may have it "
        "again at once), so a late call never reaches a stranger."))
    reveal_approval_ttl_s: int = Field(default=3600, gt=0, le=7 * 86400, description=(
        "How long an approved single reveal waits for the requester's read (it serves one read)."))

    @field_validator("virtual_numbers", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """The environment gives one string: numbers and ranges separated by commas."""
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


def _default_home() -> Path:
    return Path.home() / ".piwarden"


class Settings(BaseSettings):
    """Every setting of piwarden, one section per part; immutable once built."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    home: Path = Field(default_factory=_default_home, description="piwarden's state: the SQLite database, "
                                                                  "keys/, cache/, documents/ and piwarden.toml.")
    database: DatabaseSection = Field(default=DatabaseSection(), description="The piwarden database.")
    keys: KeysSection = Field(default=KeysSection(), description="Keys and the key provider.")
    audit: AuditSection = Field(default=AuditSection(), description="The audit log's signer and "
                                                                                  "witnesses.")
    service: ServiceSection = Field(default=ServiceSection(), description="The HTTP service.")
    detect: DetectSection = Field(default=DetectSection(), description="Detection.")
    forensics: ForensicsSection = Field(default=ForensicsSection(), description="Forensics.")
    vault: VaultSection = Field(default=VaultSection(), description="The PI vault.")

    @field_validator("home")
    @classmethod
    def _expand_home(cls, home: Path) -> Path:
        return home.expanduser()

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        # flags (init), then our own environment and toml sources; pydantic's own env source would
        # read unprefixed names (HOME for `home`)
        return init_settings, _EnvironmentSource(settings_cls), _TomlSource(settings_cls, init_settings)

    @property
    def db_url(self) -> str:
        """The database URL: ``database.url``, else the SQLite file in the home."""
        if self.database.url is not None and self.database.url.get_secret_value():
            return self.database.url.get_secret_value()
        return f"sqlite:///{self.home / 'piwarden.db'}"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def cache_dir(self) -> Path:
        return self.detect.cache_dir or self.home / "cache"

    @property
    def documents_dir(self) -> Path:
        return self.forensics.documents_dir or self.home / "documents"

    @property
    def vault_keystore_url(self) -> str:
        """The vault's key store: ``vault.keystore_url``, else the SQLite file ``HOME/keys/vault-keys.db``."""
        url = self.vault.keystore_url
        if url is not None and url.get_secret_value():
            return url.get_secret_value()
        return f"sqlite:///{self.keys_dir / 'vault-keys.db'}"

    @property
    def toml_path(self) -> Path:
        return self.home / TOML_NAME


SECTIONS: dict[str, type[_Section]] = {
    name: info.annotation for name, info in Settings.model_fields.items()
    if isinstance(info.annotation, type) and issubclass(info.annotation, _Section)
}


def setting_names() -> list[str]:
    """Every setting as a dotted name (``home``, ``database.url``, ...), in order."""
    return ["home", *(f"{section}.{name}" for section, model in SECTIONS.items() for name in model.model_fields)]


def env_name(dotted: str) -> str:
    """The environment variable of a setting: ``audit.tsa_url`` -> ``PIWARDEN__AUDIT__TSA_URL``."""
    return ENV_PREFIX + dotted.replace(".", "__").upper()


def _is_path(dotted: str) -> bool:
    section, _, name = dotted.partition(".")
    field = SECTIONS[section].model_fields[name] if name else Settings.model_fields["home"]
    return "Path" in str(field.annotation)


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        section, _, name = dotted.partition(".")
        if name:
            nested.setdefault(section, {})[name] = value
        else:
            nested[section] = value
    return nested


def _flatten(nested: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in nested.items():
        if isinstance(value, Mapping):
            flat.update({f"{key}.{name}": v for name, v in value.items()})
        else:
            flat[key] = value
    return flat


def environment_values() -> dict[str, tuple[str, str]]:
    """Settings given in the environment: dotted name -> (variable, value)."""
    names = {k.upper(): (k, v) for k, v in os.environ.items() if k.upper().startswith("PIWARDEN")}
    found: dict[str, tuple[str, str]] = {}
    for dotted in setting_names():
        hit = names.get(env_name(dotted))
        if hit is not None and hit[1]:
            found[dotted] = hit
    for legacy, dotted in LEGACY_ENV.items():
        if dotted not in found and os.environ.get(legacy):
            found[dotted] = (legacy, os.environ[legacy])
    return found


def environment_value(name: str) -> str | None:
    """One environment variable that is not a setting (e.g. the one ``--token-env`` names); empty is None."""
    return os.environ.get(name) or None


def resolve_home(flag: str | Path | None = None) -> Path:
    """The home: the flag, else ``PIWARDEN__HOME`` / ``PIWARDEN_HOME``, else ``~/.piwarden``."""
    if flag:
        return Path(flag).expanduser()
    given = environment_values().get("home")
    return Path(given[1]).expanduser() if given else _default_home()


def _toml_error(path: Path, exc: tomllib.TOMLDecodeError) -> SettingsError:
    # tomllib quotes the offending character in a few messages: it could be part of a secret
    problem = re.sub(r"(character) \S+", r"\1", str(exc))
    return SettingsError(f"{path}: not valid TOML: {problem}")


def toml_values(home: Path) -> dict[str, Any]:
    """Settings given in ``home/piwarden.toml`` (none when there is no such file), by dotted name."""
    path = home / TOML_NAME
    try:
        doc = tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, exc) from None
    known = set(setting_names())
    flat: dict[str, Any] = {}
    for table, entries in doc.items():
        if table == "home":
            raise SettingsError(f"{path}: 'home' cannot be set in the file that lives in the home "
                                "(use --home or PIWARDEN_HOME)")
        if table not in SECTIONS or not isinstance(entries, dict):
            raise SettingsError(f"{path}: unknown table [{table}] (known: {', '.join(SECTIONS)})")
        for name, value in entries.items():
            dotted = f"{table}.{name}"
            if dotted not in known:
                raise SettingsError(f"{path}: unknown setting {name!r} in [{table}]")
            if _is_path(dotted) and isinstance(value, str):
                value = str(home / Path(value).expanduser())  # an absolute value stays as it is
            flat[dotted] = value
    return flat


class _EnvironmentSource(PydanticBaseSettingsSource):
    """``PIWARDEN__<SECTION>__<FIELD>`` and the legacy names."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every setting at once

    def __call__(self) -> dict[str, Any]:
        return _nest({dotted: value for dotted, (_, value) in environment_values().items()})


class _TomlSource(PydanticBaseSettingsSource):
    """``piwarden.toml`` in the home the flags or the environment name."""

    def __init__(self, settings_cls: type[BaseSettings], init: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self._home_flag = init.init_kwargs.get("home") if isinstance(init, InitSettingsSource) else None

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return _nest(toml_values(resolve_home(self._home_flag)))


def _flags(home: str | Path | None, sections: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise TypeError(f"no settings section {sorted(unknown)[0]!r}")
    flags: dict[str, Any] = {name: dict(values) for name, values in sections.items()}
    if home is not None:
        flags["home"] = home
    return flags


def setting_origins(home: str | Path | None = None, **sections: Mapping[str, Any]) -> dict[str, str]:
    """Where each setting's value comes from: ``flag``, ``environment (NAME)``, ``piwarden.toml`` or ``default``."""
    flags = _flatten(_flags(home, sections))
    env = environment_values()
    toml = toml_values(resolve_home(home))
    origins = {}
    for dotted in setting_names():
        if dotted in flags:
            origins[dotted] = "flag"
        elif dotted in env:
            origins[dotted] = f"environment ({env[dotted][0]})"
        elif dotted in toml:
            origins[dotted] = TOML_NAME
        else:
            origins[dotted] = "default"
    return origins


def load_settings(home: str | Path | None = None, **sections: Mapping[str, Any]) -> Settings:
    """Settings from every source; ``home`` and ``sections`` are the command-line flags (highest precedence).

    Raises ``SettingsError`` naming the file or variable at fault, never its value.
    """
    flags = _flags(home, sections)
    try:
        return Settings(**flags)
    except ValidationError as exc:
        origins = setting_origins(home, **sections)
        problems = []
        for error in exc.errors():
            dotted = ".".join(str(part) for part in error["loc"][:2])
            origin = origins.get(dotted, "default")
            where = str(resolve_home(home) / TOML_NAME) if origin == TOML_NAME else origin
            problems.append(f"{dotted} from {where}: {error['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None


_override: Settings | None = None
_cached: tuple[tuple[tuple[str, str], ...], Settings] | None = None


def _environment_key() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("PIWARDEN") or k == "HOME"))


def get_settings() -> Settings:
    """The process's settings: those ``use_settings`` installed (the CLI does), else built from the sources.

    Built once and kept while the environment stays the same; ``clear_settings_cache()`` forgets
    them (e.g. after editing ``piwarden.toml`` in a running process).
    """
    global _cached
    if _override is not None:
        return _override
    key = _environment_key()
    if _cached is None or _cached[0] != key:
        _cached = (key, load_settings())
    return _cached[1]


def clear_settings_cache() -> None:
    global _cached
    _cached = None


@contextmanager
def use_settings(settings: Settings) -> Iterator[Settings]:
    """Make ``settings`` what ``get_settings()`` answers inside the block (the CLI's, for one command)."""
    global _override
    previous, _override = _override, settings
    try:
        yield settings
    finally:
        _override = previous
