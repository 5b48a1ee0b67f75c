"""Chinese addresses: the administrative divisions table and a parser down to the room.

``parse`` reads one address into its levels, ``find_addresses`` finds addresses that start
with a division's name in running text; detection uses both to report ADDRESS spans whole
(``recognizers/address.py``, ``ner/recognizer.py``) and masking to keep an address's
province and city (``mask/operators/partial.py``). Data source and licence: docs/detect.md.
"""

from __future__ import annotations

from piwarden.detect.address.parse import Address, KeepLevel, address_grade, find_addresses, parse

__all__ = ["Address", "KeepLevel", "address_grade", "find_addresses", "parse"]
