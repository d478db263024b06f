"""Sync between a local game and a remote purrr server (DESIGN decision 5, docs/sync.md).

Importing this package installs the executor hook (`hooks`); `remote` is the remote role,
`engine` the local one, `router` the HTTP API.
"""

from purrr_server.sync import hooks  # noqa: F401 - installs the executor hook
