"""Built-in recognizers, one module per family (registered by ``piwarden.detect.plugin``)."""

from __future__ import annotations

from piwarden.detect.recognizer import Recognizer
from piwarden.detect.recognizers import address, cn_misc, dates, finance, identity, location, network, phone, platform

_MODULES = (identity, phone, finance, network, cn_misc, location, address, dates, platform)


def builtin_classes() -> list[type[Recognizer]]:
    """Every concrete recognizer class defined in the family modules, in module order."""
    found = []
    for module in _MODULES:
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Recognizer) and value.__module__ == module.__name__
                    and hasattr(value, "entity")):  # bases such as phone's _ParsingRecognizer declare none
                found.append(value)
    return found
