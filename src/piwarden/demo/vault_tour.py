"""The vault's guided tour (``piwarden vault demo``, ``make run``): a synthetic platform through the real API.

A small platform is loaded into the vault (customers, insurance policies, two merchants'
orders, waybills; synthetic values from Faker zh_CN), then rounds of staff traffic go through
the HTTP API: customer-service agents answering tickets, a courier delivering, merchants
reading their orders, and two insiders of the seed cases: an agent who looks policy holders up
by policy number without a ticket (the insurance case) and a merchant operator who reads orders
wholesale, other merchants' included. What the policy refused, what the quotas stopped, the
alerts and holds they raised, and the audit log that holds every attempt are then reported.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from faker import Faker

from piwarden.client import VaultApiError, VaultClient
from piwarden.vault import VaultRuntime

PASSWORD = "demo-password-only"  # the tour's synthetic staff accounts only
STAFF = {  # account -> (role, tenant, party, extra scopes)
    "cs-0042": ("customer_service", "platform", "platform.cs", ()),
    "cs-0077": ("customer_service", "platform", "platform.cs", ()),
    "cs-0117": ("customer_service", "platform", "platform.cs", ()),  # the look-up seller
    "adj-0003": ("claims_adjuster", "platform", "platform.claims", ()),
    "m1-ops": ("merchant_operator", "M0001", "merchant:M0001", ()),
    "m2-ops": ("merchant_operator", "M0002", "merchant:M0002", ()),  # reads orders wholesale
    "sec-01": ("security", "platform", "platform.sec", ("vault:admin",)),
}
SERVICES = {"svc-platform": ("service", "platform", "platform.ops"),
            "courier-sf": ("courier", "SF", "logistics:SF")}


def tour_policy(bundled: dict[str, Any]) -> dict[str, Any]:
    """The bundled policy with the two insider quotas counted per day, so that a few rounds show them at any time."""
    policy = dict(bundled)
    quotas = []
    for q in bundled.get("quotas", []):
        q = dict(q)
        if q["id"] in TOUR_LIMITS:
            q.pop("per_minute", None)
            q["per_day"] = TOUR_LIMITS[q["id"]]
        quotas.append(q)
    policy["quotas"] = quotas
    return policy


TOUR_LIMITS = {"cs-ticketless-lookups": 10, "merchant-read-rate": 30}


@dataclass
class Credentials:
    api_keys: dict[str, str]
    password: str = PASSWORD


def setup_accounts(rt: VaultRuntime) -> Credentials:
    """The tour's accounts (staff log in with the demo password; services get API keys)."""
    ids = rt.identities
    for account, (role, tenant, party, extra) in STAFF.items():
        ids.add_account(account, kind="staff", roles=[role], tenant=tenant, party=party, password=PASSWORD,
                        scopes=["vault:read", "vault:session", *extra])
    keys = {}
    for account, (role, tenant, party) in SERVICES.items():
        scopes = ["vault:read", "vault:write"] if role == "service" else ["vault:read"]
        ids.add_account(account, kind="service", roles=[role], tenant=tenant, party=party, scopes=scopes)
        keys[account] = ids.new_api_key(account)
    return Credentials(keys)


@dataclass
class Outcome:
    """What happened to the tour's calls, by who and how."""

    calls: Counter[str] = field(default_factory=Counter)  # account -> calls
    answers: Counter[tuple[str, str]] = field(default_factory=Counter)  # (account, outcome) -> calls
    event_ids: list[str] = field(default_factory=list)
    refused_event_ids: list[str] = field(default_factory=list)
    records: Counter[str] = field(default_factory=Counter)  # record type -> loaded

    def note(self, account: str, outcome: str, event_id: str | None) -> None:
        self.calls[account] += 1
        self.answers[(account, outcome)] += 1
        if event_id:
            self.event_ids.append(event_id)
            if outcome in ("refused by the policy", "stopped by a quota"):
                self.refused_event_ids.append(event_id)


@dataclass
class Platform:
    customers: list[dict[str, str]]
    policies: list[str]  # policy numbers
    orders: dict[str, list[str]]  # merchant -> order numbers
    waybills: list[str]


def load_platform(svc: VaultClient, size: int, rng: random.Random, outcome: Outcome,
                  progress: Callable[[int], None] = lambda n: None) -> Platform:
    """Customers, their policies, orders with two merchants and waybills, created through the API."""
    fake = Faker("zh_CN")
    fake.seed_instance(rng.randrange(1 << 30))
    platform = Platform([], [], {"M0001": [], "M0002": []}, [])
    for n in range(size):
        c = {"name": fake.name(), "phone": fake.phone_number(), "id_number": fake.ssn(),
             "address": fake.address().split(" ")[0], "email": fake.email()}
        svc.create("customer", f"c-{n:05d}", c)
        platform.customers.append(c)
        if n % 2 == 0:
            number = f"PL2026{n:08d}"
            svc.create("policy", f"c-{n:05d}", {"policy_no": number, "holder_name": c["name"],
                                                 "holder_phone": c["phone"], "holder_id_number": c["id_number"],
                                                 "holder_address": c["address"]})
            platform.policies.append(number)
            outcome.records["policy"] += 1
        merchant = "M0001" if n % 3 else "M0002"
        order_no = f"2026{n:012d}"
        svc.create("order", f"c-{n:05d}", {"order_no": order_no, "buyer_name": c["name"], "buyer_phone": c["phone"],
                                            "ship_address": c["address"], "goods": "保温杯", "amount": "89.00"},
                   owner=merchant)
        platform.orders[merchant].append(order_no)
        waybill = f"SF{1400000000 + n}"
        svc.create("waybill", f"c-{n:05d}", {"waybill_no": waybill, "receiver_name": c["name"],
                                              "receiver_phone": c["phone"], "receiver_address": c["address"]})
        platform.waybills.append(waybill)
        outcome.records["customer"] += 1
        outcome.records["order"] += 1
        outcome.records["waybill"] += 1
        progress(1)
    return platform


def _call(outcome: Outcome, account: str, fn: Callable[[], Any]) -> Any:
    try:
        answer = fn()
    except VaultApiError as exc:
        kind = {403: "refused by the policy", 429: "stopped by a quota"}.get(exc.status, f"error {exc.status}")
        outcome.note(account, kind, exc.event_id)
        return None
    views = getattr(answer, "records", None) or [getattr(answer, "record", None)]
    clear = any(v is not None and v.clear for v in views)
    pending = any(v is not None and v.pending_approval for v in views)
    kind = "shown in clear" if clear else "pending approval (shown masked)" if pending else "shown masked"
    outcome.note(account, kind, answer.event_id)
    return answer


def traffic(base: str, creds: Credentials, platform: Platform, rounds: int, rng: random.Random,
            outcome: Outcome, http: Any = None, progress: Callable[[int], None] = lambda n: None) -> None:
    """Rounds of a working day's traffic, compressed: ticketed work, deliveries, and the two insiders."""

    def staff(account: str, purpose: str) -> VaultClient:
        c = VaultClient(base, http=http, purpose=purpose)
        c.login(account, creds.password)
        return c

    def search(account: str, client: VaultClient, type_name: str, by: str, value: str, reveal: list[str],
               ticket: str | None = None) -> None:
        client = client.with_context(ticket=ticket) if ticket else client
        _call(outcome, account, partial(client.search, type_name, by, value, reveal=reveal))

    agents = {a: staff(a, "after_sales") for a in ("cs-0042", "cs-0077")}
    seller = staff("cs-0117", "after_sales")
    adjuster = staff("adj-0003", "claims")
    m1, m2 = staff("m1-ops", "fulfilment"), staff("m2-ops", "fulfilment")
    courier = VaultClient(base, creds.api_keys["courier-sf"], http=http, purpose="delivery")
    for r in range(rounds):
        for i in range(12):  # tickets: an agent looks a caller up by phone and sees contact details
            name = ("cs-0042", "cs-0077")[i % 2]
            search(name, agents[name], "customer", "phone", rng.choice(platform.customers)["phone"],
                   ["phone", "address", "id_number"], f"CS-{r:02d}{i:04d}")
        for i in range(4):  # claims: the adjuster sees a policy in full for a claim ticket
            search("adj-0003", adjuster, "policy", "policy_no", rng.choice(platform.policies), ["*"],
                   f"CL-{r:02d}{i:03d}")
        for _ in range(10):  # deliveries: name and address in clear, phone masked
            search("courier-sf", courier, "waybill", "waybill_no", rng.choice(platform.waybills), ["*"])
        for number in rng.sample(platform.orders["M0001"], 5):  # a merchant reads its own orders
            search("m1-ops", m1, "order", "order_no", number, ["*"])
        # the insurance case: policy holders looked up by number, no ticket, phone and ID wanted in clear
        for number in rng.sample(platform.policies, min(8, len(platform.policies))):
            search("cs-0117", seller, "policy", "policy_no", number, ["holder_phone", "holder_id_number"])
        # wholesale reads by a merchant operator, another merchant's orders included
        wholesale = platform.orders["M0002"][:30] + platform.orders["M0001"][:10]
        rng.shuffle(wholesale)
        for number in wholesale:
            search("m2-ops", m2, "order", "order_no", number, ["*"])
        progress(1)
