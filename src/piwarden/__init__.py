"""piwarden: keep personal information from leaking, catch whoever leaks it, prove what was done."""

__version__ = "0.1.0"
