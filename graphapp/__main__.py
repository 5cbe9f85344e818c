"""`python -m graphapp`."""

from .cli import main

main()
