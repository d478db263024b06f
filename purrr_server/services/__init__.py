"""Action handlers, one module per resource, registered by importing them.

`MODULES` says which module registers the actions named `<prefix>.…`. The executor imports a
module when one of its actions first runs (`load_for`), and the modules with after-action hooks
before any action runs (`load_hooks`), so a one-shot CLI read imports no game rules it does not
use. Long-running servers import them all at start (`load_all`).
"""

from __future__ import annotations

from importlib import import_module

MODULES: dict[str, str] = {
    "auth": "purrr_server.services.accounts",
    "keys": "purrr_server.services.accounts",
    "account": "purrr_server.services.accounts",
    "cats": "purrr_server.services.cats",
    "breeding": "purrr_server.services.breeding",
    "economy": "purrr_server.services.economy",
    "games": "purrr_server.services.games",
    "nightwatch": "purrr_server.services.nightwatch",
    "quests": "purrr_server.services.quests",
    "store": "purrr_server.services.shop",
    "game": "purrr_server.sync.backup",
    "devices": "purrr_server.services.devices",
    "rooms": "purrr_server.services.rooms",
    "oauth": "purrr_server.services.oauth",
    "territory": "purrr_server.services.territory",
}
#: Modules whose hooks run after every action (quest progress, due breedings) or as it is logged
#: (the sync outbox: `purrr_server.sync.hooks`).
HOOKS = (
    "purrr_server.services.quests",
    "purrr_server.services.breeding",
    "purrr_server.sync.hooks",
)


def load_for(action: str) -> None:
    """Import the module that registers `action` (nothing for an unknown prefix)."""
    module = MODULES.get(action.split(".", 1)[0])
    if module is not None:
        import_module(module)


def load_hooks() -> None:
    for module in HOOKS:
        import_module(module)


def load_all() -> None:
    for module in dict.fromkeys([*MODULES.values(), *HOOKS]):
        import_module(module)
