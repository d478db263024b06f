"""Action handlers, one module per resource. Importing this package registers every action and
after-action hook, whichever routers are mounted."""

from purrr_server.services import (  # noqa: F401 - imported to register actions and hooks
    accounts,
    breeding,
    cats,
    economy,
    games,
    nightwatch,
    quests,
    store,
)
