"""`python -m bot` is the same as the `snsbot` command."""

import sys

from bot.cli import main

sys.exit(main())
