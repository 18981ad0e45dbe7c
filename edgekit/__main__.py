"""`python -m edgekit` and the `edgekit` command.

The entry holds Ctrl-C and SIGTERM (records them) before anything heavy is imported, so an
interrupt while the CLI loads still ends as exit 130 / 143 with one line, never a traceback.
"""

import sys


def main() -> int:
    """Run the CLI on ``sys.argv``."""
    from edgekit.cli.signals import hold_signals

    hold_signals()
    from edgekit.cli.main import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
