"""Scan: find where PI lives (files, SQL databases), classify and grade it, keep the inventory.

``piwarden scan PATH|URL ...`` (see docs/scan.md). The pieces, in the order data flows:
``sources`` (stores into samples: files, documents, SQL databases, and plugins' stores,
each behind one ``Source`` protocol and chosen by which claims the target), ``names`` and ``values`` (what a column's
name and each cell say), ``classify`` (a column's type, confidence and share), ``runner``
(local processes, incremental skipping), ``inventory`` (the ``scan_*`` tables) and ``report``
(JSON, CSV, HTML, SARIF).
"""
