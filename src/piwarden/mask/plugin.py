"""Masking's built-in plugin: the operators a policy can name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from piwarden.hookspecs import hookimpl

if TYPE_CHECKING:
    from piwarden.mask.operators.base import Operator


@hookimpl
def piwarden_mask_operators() -> list[type[Operator]]:
    from piwarden.mask.operators.date_shift import DateShift
    from piwarden.mask.operators.fpe import Fpe
    from piwarden.mask.operators.generalize import Generalize
    from piwarden.mask.operators.hash import Hash
    from piwarden.mask.operators.keep import Keep
    from piwarden.mask.operators.partial import Partial
    from piwarden.mask.operators.redact import Redact
    from piwarden.mask.operators.replace import Replace
    from piwarden.mask.operators.token import Token

    return [Keep, Partial, Redact, Replace, Hash, Token, Fpe, Generalize, DateShift]
