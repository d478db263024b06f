"""Entry point for `purrr` and `python -m purrr_cli`.

`--version` is answered here before anything heavy is imported, so it stays instant.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from purrr_cli import __version__

        sys.stdout.write(f"purrr {__version__}\n")
        return 0
    from purrr_cli.app import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
