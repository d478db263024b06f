"""purrr_server: the Purrr.love v1 API on SQLite — in-process, as a local daemon, or hosted.

`create_app(settings)` lives in `purrr_server.app`; this package stays import-light so the CLI can
use `purrr_server.daemon` without loading FastAPI.
"""

__version__ = "0.1.0"
