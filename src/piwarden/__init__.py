"""piwarden: keep personal information from leaking, catch whoever leaks it, prove what was done."""

import logging

__version__ = "0.1.0"

# SQLAlchemy's pool logs a failed close (a SIGINT landing mid-close) with its traceback; with no
# handler configured Python's last-resort handler would print that on stderr, where a bound
# parameter could show. A host application that configures logging still receives it.
logging.getLogger("sqlalchemy").addHandler(logging.NullHandler())
