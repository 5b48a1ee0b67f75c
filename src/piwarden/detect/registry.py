"""Which recognizers run: configuration (YAML), over the classes that plugins register."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from piwarden.detect.recognizer import Recognizer
from piwarden.plugins import plugin_manager


class ConfigError(ValueError):
    """The recognizer configuration is malformed or names an unknown recognizer."""


def available() -> dict[str, type[Recognizer]]:
    """Every recognizer class registered by piwarden or a plugin, by class name."""
    found: dict[str, type[Recognizer]] = {}
    for classes in plugin_manager().hook.piwarden_recognizers():
        for cls in classes:
            found[cls.__name__] = cls
    return found


def default_config() -> str:
    return resources.files("piwarden.detect.config").joinpath("recognizers.yaml").read_text("utf-8")


def load_recognizers(config: str | Path | None = None) -> list[Recognizer]:
    """Instantiate the recognizers a config enables (the bundled default when None).

    ``config`` is a path to a YAML file or YAML text with ``enabled: [names]`` and optionally
    ``disabled: [names]``; ``enabled: all`` takes every registered recognizer.
    """
    if config is None:
        text = default_config()
    elif isinstance(config, Path) or (isinstance(config, str) and "\n" not in config and config.endswith((".yaml", ".yml"))):
        path = Path(config)
        if not path.is_file():
            raise ConfigError(f"recognizer config not found: {path}")
        text = path.read_text("utf-8")
    else:
        text = config
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ConfigError("recognizer config must be a mapping with an 'enabled' list")
    classes = available()
    enabled = data.get("enabled", "all")
    names = list(classes) if enabled == "all" else list(enabled)
    disabled = set(data.get("disabled") or [])
    unknown = sorted((set(names) | disabled) - set(classes))
    if unknown:
        raise ConfigError(f"unknown recognizers in config: {', '.join(unknown)}")
    return [classes[n]() for n in names if n not in disabled]
