"""What an access event is, apart from who, when and on whom: its shape, worked out once per distinct shape.

Both event observers (:mod:`.features` and :mod:`.context`) need the same facts of every event:
its context (action, resource, lookup key, purpose, ticket or not, identifying fields in clear),
the weight of what it disclosed, whether a person or a machine account made it, whether it was
an aggregate, a keyed lookup, a person's bulk export. A platform has a few thousand distinct
shapes and millions of events, so each shape is worked out once (``forensics watch`` has to keep
up with a live log: this took a fifth of the detector's time), and the event the two observers
share is recognised by identity (:func:`shape_of` remembers the last one).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from piwarden.forensics.anomalies.disclosure import sensitive_of, weight_of
from piwarden.native import fields_state, set_fields_state

if TYPE_CHECKING:
    from piwarden.events import Event

#: An access's context (:mod:`.context`): action, resource, lookup key, purpose, ticket or not, identifying fields.
Context = tuple[str, str, str, str, bool, frozenset[str]]
KEYED: Final = frozenset({"policy_no", "phone", "id_number", "mobile", "id_card", "name"})
BULK_ACTIONS: Final = frozenset({"export", "print", "download"})
AGGREGATE_ACTIONS: Final = frozenset({"search", "export"})
#: Channel factor: a scheduled batch transfer is the data map's flow, not a person's reading.
CHANNELS: Final = {"batch": 0.1, "api": 0.5}
MAX_SHAPES: Final = 65536  # past this many distinct shapes the memo starts afresh (bounded memory on any input)


@lru_cache(maxsize=4096)
def is_service(role: str, channel: str | None = None) -> bool:
    """A machine account (ETL, reconciliation, a partner's pull): a batch channel, or a service role
    (``service``, ``etl_service``, ``payment_service``; ``customer_service`` is people)."""
    if channel == "batch" or role in ("service", "system"):
        return True
    return role.endswith(("_service", "_svc", "_bot")) and not role.startswith("customer")


@dataclass(slots=True, eq=False)
class Shape:
    """The facts of an event that do not depend on who, when or on whom (compared by identity: a dict key)."""

    ctx: Context
    sensitive: frozenset[str]  # identifying fields in clear (canonical names)
    weight: float  # disclosure per record (``disclosure.weight_of``)
    channel_factor: float  # ``CHANNELS``
    human: bool  # a person's access, not a machine account's
    keyed: bool  # a lookup by policy number, phone, ID number or name
    aggregate: bool  # a search or export of aggregates only: no record disclosed
    bulk: bool  # a person's export, print or download with identifying fields in clear

    def __getstate__(self) -> dict[str, Any]:  # by name: the same for the sources and the compiled module
        return fields_state(self)

    def __setstate__(self, state: dict[str, Any] | list[Any]) -> None:
        set_fields_state(self, state)


_shapes: Final[dict[str | tuple[Any, ...], Shape]] = {}
_last: Final[list[tuple[object, Shape | None]]] = [(None, None)]  # one tuple, replaced whole: safe across threads
_SEP: Final = "\x1f"


def shape_of(ev: Event) -> Shape:
    """The event's shape; the same object for the same shape while the memo holds it.

    The memo's key is one string, the parts joined by ``_SEP`` with the number of fields before them: every part
    of a decoded event is a new string, and one string's hash is cheaper than a tuple's of a dozen new ones (each
    hashed, then the tuple; 16% of this function's instructions saved). A part holding the separator would make the
    joining ambiguous: the count of separators tells, and such an event is keyed by the tuple instead. ``None`` and
    ``""`` are one key for the lookup key, purpose and channel, whose shapes are the same (``_shape`` reads them as
    ``x or ""``)."""
    last = _last[0]
    if last[0] is ev and last[1] is not None:
        return last[1]
    query = ev.query
    by = query.get("by") if query is not None else None
    fields, masked = ev.fields, ev.masked_fields or ()
    if by is not None and type(by) is not str:  # a number, a list, an object (1 and True would share a key)
        sh = _shape(ev, by, tuple(fields), tuple(masked))
    else:
        joined = _SEP.join([ev.action, ev.resource, by or "", ev.purpose or "", "t" if ev.ticket else "",
                            ev.channel or "", ev.role, str(len(fields)), *fields, *masked])
        key: str | tuple[Any, ...] = joined
        if joined.count(_SEP) != 7 + len(fields) + len(masked):
            key = (ev.action, ev.resource, by or "", ev.purpose or "", bool(ev.ticket), tuple(fields),
                   tuple(masked), ev.channel or "", ev.role)
        known = _shapes.get(key)
        if known is None:
            if len(_shapes) >= MAX_SHAPES:
                _shapes.clear()
            known = _shapes[key] = _shape(ev, by, tuple(fields), tuple(masked))
        sh = known
    _last[0] = (ev, sh)
    return sh


def _shape(ev: Event, by: Any, fields: tuple[str, ...], masked: tuple[str, ...]) -> Shape:
    sensitive = sensitive_of(fields)  # goods and amounts identify no one
    human = not is_service(ev.role, ev.channel)
    action = ev.action
    ctx = (action, ev.resource, str(by or ""), ev.purpose or "", bool(ev.ticket), sensitive)
    return Shape(ctx, sensitive, weight_of(fields, masked), CHANNELS.get(ev.channel or "", 1.0), human,
                 isinstance(by, str) and by in KEYED, action in AGGREGATE_ACTIONS and by == "aggregate",
                 action in BULK_ACTIONS and bool(sensitive) and human)
