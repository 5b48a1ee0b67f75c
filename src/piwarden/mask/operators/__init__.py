"""The operator registry: name -> operator class.

The built-ins register here; a plugin contributes more through the ``piwarden_mask_operators``
hook (see :mod:`piwarden.mask.operators.registry`). A policy names operators; the registry
finds them.
"""

from piwarden.mask.operators.base import NoParams, Operator, Params
from piwarden.mask.operators.registry import get_operator, operator_names, register

__all__ = ["NoParams", "Operator", "Params", "get_operator", "operator_names", "register"]
