"""Action handlers, one module per resource. Importing this package registers them all."""

from purrr_server.services import accounts, cats  # noqa: F401 - imported to register actions
