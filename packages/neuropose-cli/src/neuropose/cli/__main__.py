"""``python -m neuropose.cli``."""

from neuropose.cli import main

main()
