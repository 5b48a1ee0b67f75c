"""A small simulated platform shared by the forensics tests (seed 11; never a benchmark seed)."""

from __future__ import annotations

from typing import Any

import pytest

from piwarden.demo.platform import PlatformConfig, Simulation
from piwarden.events import AccessEvent, parse_event

CONFIG = PlatformConfig(seed=11, days=14, scale=0.5)


@pytest.fixture(scope="session")
def platform() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    sim = Simulation(CONFIG)
    events = list(sim.events())
    return events, sim.ground_truth()


@pytest.fixture(scope="session")
def access_events(platform: tuple[list[dict[str, Any]], dict[str, Any]]) -> list[AccessEvent]:
    """The platform's events as the detectors take them: validated once."""
    return [parse_event(e) for e in platform[0]]
