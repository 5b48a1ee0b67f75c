"""Detection's built-in plugin: the recognizer families and the trained name/address model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from piwarden.hookspecs import hookimpl

if TYPE_CHECKING:
    from piwarden.detect.recognizer import Recognizer


@hookimpl
def piwarden_recognizers() -> list[type[Recognizer]]:
    from piwarden.detect.ner.recognizer import NameAddressRecognizer  # loads its model lazily
    from piwarden.detect.recognizers import builtin_classes

    return [*builtin_classes(), NameAddressRecognizer]
