"""`python -m svcnotes`."""

from svcnotes.cli import main

main()
