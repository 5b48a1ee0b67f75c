"""The synthetic certification cards are the same on any day: their dates count back from a fixed day."""

from __future__ import annotations

import datetime

import pytest
from faker import Faker

from piwarden.demo import documents as synth
from piwarden.detect.ids.cn import ric


@pytest.mark.parametrize("seed", range(0, 400, 7))
def test_cards_draw_what_faker_draws_on_the_reference_day(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Faker counts ages and relative dates from today; the cards count them from ``REFERENCE`` with the same draws
    (compared on a day where the two are the same day: today)."""
    monkeypatch.setattr(synth, "REFERENCE", datetime.date.today())
    faker, ours = Faker("zh_CN"), Faker("zh_CN")
    faker.seed_instance(seed)
    ours.seed_instance(seed)
    assert synth._birth(ours, 18, 75) == faker.date_of_birth(minimum_age=18, maximum_age=75)
    assert synth._resident_id(ours, 18, 75) == faker.ssn(min_age=18, max_age=75)  # type: ignore[call-arg]


def test_an_id_cards_number_is_valid_and_its_holder_an_adult_on_the_reference_day() -> None:
    for seed in range(700_000, 700_020):
        fields = synth.id_card(seed).fields
        assert ric.is_valid(fields["id"])
        assert ric.birth_date(fields["id"]) <= synth.REFERENCE - datetime.timedelta(days=18 * 365)
