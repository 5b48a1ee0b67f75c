"""English training text labeled by spaCy's small English pipeline (distillation, ``--distil N``).

The shipped tagger learned English names from the English set's ~150 training templates and the
synthetic genres of ``piwarden.demo.textgen``; on templates it never saw it misses names. Here
Faker ``en_US`` fills sentence templates written for this module (letters, support tickets, news,
meeting notes: none taken from any evaluation set) and spaCy's ``en_core_web_sm`` (the
``names-en`` extra; trained on OntoNotes 5) labels the text: its PERSON and ORG entities become
PERSON and ORG, its places LOCATION (out of the loss, as the English set's). The labels are
spaCy's, not the template's: the tagger learns what spaCy reads as a name in contexts it would not
otherwise see. Training only; inference never imports this module.
"""

from __future__ import annotations

import random
from typing import Any

from piwarden.detect.ner import english
from piwarden.detect.ner.infer import trim

SOURCE = "en_distil"
LABELS = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}

TEMPLATES = (
    "Dear {name}, thank you for your order from {company}. It will ship on {date}.",
    "Hi {first_name}, can you send me the report before {day}? Thanks, {first_name2}",
    "{name} joined {company} as {job} in {year}.",
    "Meeting notes: {name} and {name2} discussed the budget; {first_name} will follow up with {company}.",
    "According to {name}, the new office in {city} opens next month.",
    "Please contact {prefix} {last_name} at {phone} if you have any questions.",
    "I spoke with {name} yesterday and she said the package never arrived.",
    "I spoke with {name} yesterday and he said the refund was already processed.",
    "{name}, {job} at {company}, said the results were better than expected.",
    "The ticket was opened by {name} ({email}) on {date}.",
    "Congratulations to {name} on being named employee of the month!",
    "Can {first_name} {last_name} please come to the front desk?",
    "Signed: {name}, {city}, {date}",
    "{name} and {name2} were married in {city} on {date}.",
    "Our new {job}, {name}, will start on {day}.",
    "Per my conversation with {prefix} {last_name}, the invoice is due on {date}.",
    "From: {name} <{email}>\nTo: {name2}\nSubject: {catch_phrase}",
    "{last_name}, {first_name} - account manager for {company}",
    "The court heard testimony from {name}, a former employee of {company}.",
    "Hello, my name is {name} and I am calling about my account.",
    "{first_name} said: \"I'll be in {city} until {day}.\"",
    "Reviewed by {name} on {date}. Approved by {name2}.",
    "Thanks to {name}, {name2} and {name3} for their help with the move.",
    "{name} wrote the book in {year} while living in {city}.",
    "Patient: {name}\nDate of birth: {dob}\nPhysician: Dr. {last_name}",
    "Is this {first_name}? This is {first_name2} from {company}, returning your call.",
    "{name} is the emergency contact for {name2}.",
    "Send the signed contract to {name} at {company} by {date}.",
    "We are sorry to hear that, {first_name}. A replacement will be sent today.",
    "The award went to {name} of {company} for her work on {bs}.",
    "The award went to {name} of {company} for his work on {bs}.",
    "Witness statement of {name}, taken on {date} in {city}.",
    "{name} ({job}) left the company last {day}.",
    "Tell {first_name} that {name2} called about the lease.",
    "Guest list: {name}; {name2}; {name3}",
    "After the game, {last_name} told reporters that the team played well.",
)


def _fill(template: str, fake: Any) -> str:
    values = {
        "name": fake.name(), "name2": fake.name(), "name3": fake.name(), "first_name": fake.first_name(),
        "first_name2": fake.first_name(), "last_name": fake.last_name(), "prefix": fake.prefix(),
        "company": fake.company(), "city": fake.city(), "job": fake.job(), "date": fake.date(pattern="%B %d, %Y"),
        "day": fake.day_of_week(), "year": fake.year(), "phone": fake.phone_number(), "email": fake.email(),
        "catch_phrase": fake.catch_phrase(), "bs": fake.bs(), "dob": fake.date_of_birth().isoformat(),
    }
    return template.format(**values)


def texts(n: int, seed: int) -> list[str]:
    """``n`` English texts from the templates above, filled by Faker ``en_US`` (seeded)."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    return [_fill(rng.choice(TEMPLATES), fake) for _ in range(n)]


def records(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` texts with spaCy's entities as spans (needs the names-en extra)."""
    nlp = english.pipeline()
    if nlp is None:
        raise RuntimeError(f"--distil needs the names-en extra (spacy, {english.PACKAGE})")
    out = []
    batch = texts(n, seed)
    for text, doc in zip(batch, nlp.pipe(batch, batch_size=256), strict=True):
        spans = []
        for ent in doc.ents:
            label = LABELS.get(ent.label_)
            if label is None:
                continue
            start, end = ent.start_char, ent.end_char
            if label == "PERSON":  # a name ends at a line break ("Charlene Hall\nSubject"), and as inference has it
                start, end = english.name_edges(text, start, start + len(text[start:end].split("\n")[0]))
            else:
                start, end = trim(text, start, end)
            if end > start:
                spans.append({"start": start, "end": end, "label": label})
        out.append({"text": text, "spans": spans})
    return out
