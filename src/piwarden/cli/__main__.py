"""``python -m piwarden.cli``: the ``piwarden`` command without its console script."""

from piwarden.cli import main

main()
