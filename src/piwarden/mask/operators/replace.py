"""``replace``: a type tag (``<PHONE>``) or a fixed string in place of the value."""

from __future__ import annotations

from pydantic import Field

from piwarden import entities
from piwarden.mask.operators.base import Operator, Params


class ReplaceParams(Params):
    value: str | None = Field(None, description="A fixed replacement; when unset, the template is used.")
    template: str = Field("<{type}>", description="Template with {type} (PHONE) and {zh} (电话号码).")


class Replace(Operator):
    """``<PHONE>``, ``[{zh}]`` -> ``[电话号码]``, or a fixed string."""

    name = "replace"
    Params = ReplaceParams
    params: ReplaceParams

    def mask(self, value: str, entity: str, subject: str | None = None) -> str:
        if self.params.value is not None:
            return self.params.value
        return self.params.template.format(type=entity, zh=entities.get(entity).zh)
