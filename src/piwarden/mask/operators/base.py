"""What every operator is: a name, a typed parameter model, and ``mask`` (and maybe ``unmask``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from piwarden.mask.errors import MissingKey, NotReversible, PolicyError
from piwarden.mask.keys import KeyRing


class Params(BaseModel):
    """Base of the parameter models: unknown parameters are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(Params):
    """An operator without parameters."""


AnyParams = Params  # the base class under a name that ``Operator.Params`` (the subclass's model) does not shadow


class Operator(ABC):
    """Masks one value of one entity type.

    ``keyed`` operators derive their own key from the key ring and the purpose, so the same
    policy run for two purposes gives unlinkable outputs.
    """

    name: ClassVar[str]
    Params: ClassVar[type[Params]] = NoParams
    keyed: ClassVar[bool] = False
    reversible: ClassVar[bool] = False
    #: the output depends on the data subject as well as the value (date_shift)
    per_subject: ClassVar[bool] = False
    #: entity types the operator understands; None means any
    types: ClassVar[frozenset[str] | None] = None

    def __init__(self, params: AnyParams | Mapping[str, Any] | None = None, *, keys: KeyRing | None = None,
                 purpose: str = "default") -> None:
        if isinstance(params, self.Params):
            self.params = params
        else:
            try:
                self.params = self.Params.model_validate(dict(params or {}))
            except ValidationError as exc:
                raise PolicyError(f"operator {self.name}: {_summary(exc)}") from None
        if self.keyed and keys is None:
            raise MissingKey(f"operator {self.name} needs a key (--key-file or PIWARDEN_MASK_KEY)")
        self.purpose = purpose
        self._setup(keys)

    def _setup(self, keys: KeyRing | None) -> None:  # noqa: B027 - an optional hook
        """Derive keys and build ciphers once, not per value."""

    def supports(self, entity: str) -> bool:
        return self.types is None or entity in self.types

    @abstractmethod
    def mask(self, value: str, entity: str, subject: str | None = None) -> str:
        """The masked form of ``value``, a value of type ``entity`` belonging to ``subject``."""

    def unmask(self, masked: str, entity: str, subject: str | None = None) -> str:
        """The original value of a masked one (reversible operators only)."""
        raise NotReversible(f"operator {self.name} is not reversible")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"


def _summary(exc: ValidationError) -> str:
    """Pydantic's errors without the input values (parameters are not PI, but stay terse)."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'params'}: {e['msg']}" for e in exc.errors())
