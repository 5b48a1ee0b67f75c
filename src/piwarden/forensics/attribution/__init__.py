"""Leak attribution: who could have known exactly these fields about exactly these people?

Reading the leak sample (``leak``), matching its rows to subjects (``match``), the data map
(``datamap``), what the access events show each actor saw (``access``), the ranking by the
guilt model with its evidence (``ranking``), and honeytokens (``honeytokens``).
"""
