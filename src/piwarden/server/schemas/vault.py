"""The vault API's request and response bodies (docs/vault.md#the-api).

Values travel in bodies only, never in a path or query string (access logs keep those); a
file field's value is base64. Every answer that follows a decision carries ``event_id``, the
id of the access event already in the audit log.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")]
FieldValue = Annotated[str, StringConstraints(min_length=1, max_length=8 * 1024 * 1024)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class LoginRequest(_Body):
    """A staff account's credentials."""

    account: Ident = Field(description="The staff account id.")
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)] = Field(
        description="The account's password (checked against its argon2id hash).")


class OidcLoginRequest(_Body):
    """An ID token the company's identity provider issued (the vault's OIDC login, docs/vault.md)."""

    id_token: Annotated[str, StringConstraints(min_length=1, max_length=16384)] = Field(
        description="The OIDC ID token (a signed JWT); it opens one session only.")


class Session(BaseModel):
    """A new session: send ``token`` as ``Authorization: Bearer <token>``."""

    token: str = Field(description="The session's bearer token (pws_...); shown this once.")
    expires_us: int = Field(description="When it expires, UTC microseconds since the epoch.")
    account: str = Field(description="The account logged in.")
    roles: list[str] = Field(description="The roles it may act in (X-Piwarden-Role picks one).")
    event_id: str = Field(description="The login's access event.")


class Me(BaseModel):
    """The authenticated caller."""

    account: str = Field(description="Account id (the events' actor).")
    kind: str = Field(description="staff or service.")
    roles: list[str] = Field(description="Roles it may act in.")
    tenant: str = Field(description="The tenant whose records it owns.")
    party: str = Field(description="Its data-map party, e.g. platform.cs, merchant:M0012.")
    scopes: list[str] = Field(description="API scopes it holds.")
    via: str = Field(description="session or api_key.")


class Done(BaseModel):
    """Something done that discloses nothing."""

    ok: bool = Field(description="Whether it was done (false: nothing to do, e.g. already held).")


class FieldInfo(BaseModel):
    """One field of a record type."""

    name: str = Field(description="Field name.")
    entity: str = Field(description="Entity type (piwarden.entities).")
    grade: str = Field(description="Grade of the entity type, L1-L4.")
    sensitive: bool = Field(description="Sensitive PI under PIPL Art. 28.")
    lookup: bool = Field(description="Has a blind index: records can be searched by it.")
    token: str | None = Field(description="token or fpe when a token is handed out for it, else null.")
    kind: str = Field(description="text, or file (base64).")


class TypeInfo(BaseModel):
    """One record type."""

    name: str = Field(description="Type name, e.g. customer.")
    description: str = Field(description="What it holds.")
    fields: list[FieldInfo] = Field(description="Its fields.")


class CreateRecord(_Body):
    """A new record."""

    subject: Ident = Field(description="The data subject's id (pseudonymous, e.g. c-88311).")
    owner: Ident | None = Field(default=None, description="The owning tenant (default: the caller's; another "
                                                          "tenant only for the platform's callers).")
    fields: dict[Name, FieldValue] = Field(description="Field name -> value (files as base64).")


class UpdateRecord(_Body):
    """Fields to replace."""

    fields: dict[Name, FieldValue] = Field(description="Field name -> new value (files as base64).")
    expected_version: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                         description="Refuse (409) unless the record is still at this version.")


class Written(BaseModel):
    """A committed write and its event (both durable)."""

    id: str = Field(description="Record id.")
    version: int = Field(description="The record's version after the write.")
    event_id: str = Field(description="The write's access event.")


class Search(_Body):
    """A look-up by keyed identifier (a field with a blind index)."""

    by: Name = Field(description="The look-up field, e.g. phone, policy_no.")
    value: FieldValue | None = Field(default=None, max_length=4096,
                                     description="The value; normalized before the look-up (spaces, dashes).")
    token: Annotated[str, StringConstraints(max_length=512)] | None = Field(
        default=None, description="Or a token the vault handed out for that field.")
    reveal: list[Name | Annotated[str, StringConstraints(pattern=r"^\*$")]] = Field(
        default_factory=list, max_length=64, description="Fields wanted in clear ('*': all); the policy decides.")
    limit: int = Field(default=20, ge=1, le=100, description="At most this many records.")


class RecordView(BaseModel):
    """One record as the caller may see it."""

    id: str = Field(description="Record id.")
    type: str = Field(description="Record type.")
    owner: str = Field(description="Owning tenant.")
    subject: str = Field(description="Data subject id.")
    version: int = Field(description="Record version.")
    values: dict[str, str | None] = Field(description="Field -> value in clear, masked, or null when withheld.")
    clear: list[str] = Field(description="Fields shown in clear.")
    masked: list[str] = Field(description="Fields shown masked.")
    withheld: list[str] = Field(description="Fields the policy withholds (deny).")
    pending_approval: list[str] = Field(description="Fields asked in clear that need an approval (shown masked).")
    step_up: list[str] = Field(default_factory=list, description="L4 fields granted but shown masked: send a TOTP "
                                                                 "code (X-Piwarden-OTP) to see them.")
    tokens: dict[str, str] = Field(description="Field -> token, for fields that hand one out.")
    rules: dict[str, str | None] = Field(description="Field -> id of the policy rule that decided it (null: the "
                                                     "default).")


class RecordAnswer(BaseModel):
    """One record and its access event."""

    record: RecordView = Field(description="The record.")
    event_id: str = Field(description="The read's access event, in the audit log already.")


class SearchAnswer(BaseModel):
    """Matching records and the access event of the search."""

    records: list[RecordView] = Field(description="The matching records the caller may see.")
    event_id: str = Field(description="The search's access event, in the audit log already.")


class Erased(BaseModel):
    """A subject erased: records deleted, its key destroyed."""

    subject: str = Field(description="The data subject.")
    records: list[str] = Field(description="Ids of the records deleted.")
    event_id: str = Field(description="The erasure's access event.")


class Refusal(BaseModel):
    """A decision that refused (it is logged too)."""

    error: str = Field(description="Why, naming the rule; never a value.")
    event_id: str | None = Field(default=None, description="The refusal's access event.")
    result: str | None = Field(default=None, description="denied or pending_approval.")


class Evidence(BaseModel):
    """An access event an alert cites: its id and leaf index (GET /audit/proof/inclusion proves it is logged)."""

    event_id: str | None = Field(description="The event's id (None once retention purged its body).")
    index: int = Field(description="Its leaf index in the audit log.")


class AlertOut(BaseModel):
    """An alert the vault raised: who exceeded which quota, and the events that are the evidence."""

    id: str = Field(description="The alert's id (one per actor, quota and window).")
    at_us: int = Field(description="When it was raised, UTC microseconds since the epoch.")
    actor: str = Field(description="The account that exceeded the quota.")
    role: str = Field(description="The role it acted in.")
    kind: str = Field(description="What raised it: quota.")
    rule: str = Field(description="The quota's id in the policy.")
    window: str = Field(description="minute or day.")
    window_key: str = Field(description="Which minute or day (the policy's time zone).")
    limit: int = Field(description="The quota's limit for the window.")
    count: int = Field(description="The count with the refused call.")
    event_id: str = Field(description="The refused call's access event.")
    held: bool = Field(description="Whether the actor was switched to approval-only.")
    evidence: list[Evidence] = Field(description="The actor's access events in the window, most recent last.")


class HoldRequest(_Body):
    """Why an actor is held to approval-only."""

    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="Why (free text for the security team; no personal data).")


class HoldOut(BaseModel):
    """An actor held to approval-only: every reveal needs an approval until released."""

    actor: str = Field(description="The account held.")
    since_us: int = Field(description="Since when, UTC microseconds since the epoch.")
    reason: str = Field(description="Why.")
    alert_id: str | None = Field(default=None, description="The alert that held it, if one did.")


class ExportRequest(_Body):
    """A bulk export: every record of one type one owner holds, with these fields."""

    type: Name = Field(description="The record type.")
    fields: list[Annotated[str, StringConstraints(pattern=r"^(\*|[a-z][a-z0-9_]{0,63})$")]] = Field(
        min_length=1, max_length=64, description="Field names ('*': all); each in clear if the policy lets the "
                                                 "maker reveal it, masked otherwise.")
    owner: Ident | None = Field(default=None, description="Whose records (default: the caller's tenant).")
    recipient: Ident | None = Field(default=None, description="The data-map party that receives the file "
                                                               "(default: the maker's own party).")
    reason: Annotated[str, StringConstraints(max_length=500)] = Field(default="", description="Why (no personal "
                                                                                              "data).")


class ExportDecision(_Body):
    """A checker's decision."""

    approve: bool = Field(description="True to approve, false to refuse.")
    reason: Annotated[str, StringConstraints(max_length=500)] = Field(default="", description="Why.")


class ExportOut(BaseModel):
    """An export: ids, counts and field names, never a value."""

    id: str = Field(description="The export id (vx-...), also the access events' export_id.")
    maker: str = Field(description="Who asked for it.")
    recipient_party: str = Field(description="Who receives the file (data-map party).")
    recipient_actor: str | None = Field(description="The receiving account, when the maker keeps it.")
    type: str = Field(description="Record type.")
    owner: str = Field(description="Whose records.")
    fields: list[str] = Field(description="Fields asked for.")
    clear: list[str] = Field(description="Fields in clear (watermarked); the others are masked or withheld.")
    rows: int = Field(description="Records.")
    weight: int = Field(description="Rows x the grade weight of the most sensitive field in clear.")
    status: str = Field(description="ready, pending (a checker must decide) or refused.")
    checker: str | None = Field(description="Who decided, for a pending one.")
    reason: str = Field(description="The maker's reason.")
    created_us: int = Field(description="When asked, UTC microseconds.")
    decided_us: int | None = Field(description="When decided.")


class TicketRequest(_Body):
    """An open business ticket and the data subjects it is about."""

    subjects: list[Ident] = Field(min_length=1, max_length=1000, description="Subject ids the ticket names.")
    purpose: Ident | None = Field(default=None, description="The purpose it serves (a request must declare it).")
    assignee: Ident | None = Field(default=None, description="The account it is assigned to (only it may use it).")
    expires_in_s: int | None = Field(default=None, gt=0, le=366 * 86400, description="Seconds until it expires.")


class TicketOut(BaseModel):
    """A registered ticket (subject ids, no personal data)."""

    id: str = Field(description="The ticket id, as sent in X-Piwarden-Ticket.")
    subjects: list[str] = Field(description="Subjects it names.")
    purpose: str | None = Field(description="The purpose it serves.")
    assignee: str | None = Field(description="The account it is assigned to.")
    opened_us: int = Field(description="When registered, UTC microseconds.")
    expires_us: int | None = Field(description="When it expires.")
    closed_us: int | None = Field(description="When closed.")


class Health(BaseModel):
    """Liveness or readiness."""

    status: str = Field(description="ok, or what is not ready.")
    checks: dict[str, str] = Field(default_factory=dict, description="Each check and its state.")


class BindRequest(_Body):
    """Bind a pool number to a record's phone for a party (a carrier, a merchant) for a while."""

    record_id: Annotated[str, StringConstraints(pattern=r"^r-[0-9a-f]{32}$")] = Field(
        description="The record (waybill, order) whose phone the number forwards to.")
    party: Ident = Field(description="The bound party (data-map party, e.g. logistics:SF): its accounts see the number.")
    field: Name | None = Field(default=None, description="The phone field to bind (default: the type's first phone "
                                                         "field, e.g. receiver_phone).")
    ttl_s: int | None = Field(default=None, ge=1, le=30 * 86400, description="Lifetime in seconds (default: "
                                                                               "vault.virtual_number_ttl_s).")


class BindingOut(BaseModel):
    """A binding: ids, party and times, never the phone."""

    id: str = Field(description="The binding id (vn-...).")
    number: str = Field(description="The virtual number (with its extension, 17000000001-1234, in AXE mode).")
    record_id: str = Field(description="The bound record.")
    field: str = Field(description="The bound phone field.")
    type: str = Field(description="The record's type.")
    owner: str = Field(description="The record's tenant.")
    subject: str = Field(description="The record's data subject (pseudonymous id).")
    party: str = Field(description="The bound party.")
    actor: str = Field(description="Who bound it.")
    created_us: int = Field(description="When bound, UTC microseconds.")
    expires_us: int = Field(description="When it expires.")
    ended_us: int | None = Field(description="When it was released, if it was.")
    live: bool = Field(description="Whether the number forwards now.")


class BindingAnswer(BaseModel):
    """A binding and the access event recording what was done with it."""

    binding: BindingOut = Field(description="The binding.")
    event_id: str = Field(description="The access event.")


class ResolveRequest(_Body):
    """A dialled virtual number, as the telephony platform received the call."""

    number: Annotated[str, StringConstraints(min_length=5, max_length=40, pattern=r"^[0-9 ,#转-]+$")] = Field(
        description="The number dialled, with its extension in AXE mode (17000000001-1234; `,`, `#` or 转 also).")


class Resolved(BaseModel):
    """Where the call goes: the real phone, for the telephony platform only (logged as a reveal)."""

    phone: str = Field(description="The phone the binding forwards to.")
    binding_id: str = Field(description="The live binding.")
    record_id: str = Field(description="The bound record.")
    field: str = Field(description="The bound field.")
    party: str = Field(description="The bound party (who may be calling).")
    expires_us: int = Field(description="When the binding expires.")
    event_id: str = Field(description="The reveal's access event.")


class RenderedWaybill(BaseModel):
    """A record as the bound party's waybill shows it: nothing in clear, bound phones replaced by virtual numbers."""

    record: RecordView = Field(description="The record's fields as printed (none in clear, no tokens).")
    virtual: dict[str, str] = Field(description="Field -> the virtual number printed instead of the phone.")
    bindings: list[BindingOut] = Field(description="The party's live bindings of this record.")
    event_id: str = Field(description="The print's access event.")


class RevealRequest(_Body):
    """Ask to see one field of one record in clear once (the policy says it needs an approval)."""

    record_id: Annotated[str, StringConstraints(pattern=r"^r-[0-9a-f]{32}$")] = Field(description="The record.")
    field: Name = Field(description="The field to see in clear.")
    reason: Annotated[str, StringConstraints(max_length=500)] = Field(default="", description="Why (for the checker).")


class ApprovalOut(BaseModel):
    """A single-reveal request: ids, names, status and times, never a value."""

    id: str = Field(description="The approval id (va-...), named as the ticket of its request and decision events.")
    requester: str = Field(description="Who asked (only this account's next read uses it).")
    record_id: str = Field(description="The record.")
    field: str = Field(description="The field.")
    type: str = Field(description="The record's type.")
    subject: str = Field(description="The record's data subject.")
    reason: str = Field(description="The requester's reason.")
    status: str = Field(description="pending, approved, refused, or used (spent by one read).")
    checker: str | None = Field(description="Who decided.")
    created_us: int = Field(description="When asked, UTC microseconds.")
    decided_us: int | None = Field(description="When decided.")
    expires_us: int | None = Field(description="Until when an approval waits for the read.")
    used_us: int | None = Field(description="When the read used it.")


class ApprovalAnswer(BaseModel):
    """An approval and the access event recording the step."""

    approval: ApprovalOut = Field(description="The approval.")
    event_id: str = Field(description="The access event.")
