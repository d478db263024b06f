"""The full-screen dashboard, `purrr tui`. `PurrrApp` is the public face; `run` starts it."""

from purrr_cli.tui.app import PurrrApp

__all__ = ["PurrrApp"]
