"""Reused identity documents: find a certification image re-submitted for another subject or account,
and stamp the copies the platform hands out (issue 7, item 5)."""
