"""``python -m piwarden.cli``: the ``piwarden`` command without its console script."""

from piwarden.cli import main

if __name__ == "__main__":  # importing the module (e.g. walking the package) runs nothing
    main()
