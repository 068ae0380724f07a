"""`python -m buildlike`: the same as the `buildlike` command."""

from buildlike.cli import main

main()
