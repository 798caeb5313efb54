"""`python -m redprop`: the same entry point as the console script."""

from redprop.cli import main

main()
