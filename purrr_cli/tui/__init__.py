"""The full-screen dashboard, `purrr tui`. `PurrrApp` is the public face; `run` starts it.

`PurrrApp` is imported on first use, so the dashboard's server child
(`purrr_cli.tui.companion`) and `purrr_cli.tui.clock` do not import Textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from purrr_cli.tui.app import PurrrApp


def __getattr__(name: str) -> Any:
    if name == "PurrrApp":
        from purrr_cli.tui.app import PurrrApp

        return PurrrApp
    raise AttributeError(name)


__all__ = ["PurrrApp"]
