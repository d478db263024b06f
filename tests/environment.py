"""The one environment every test runs in, whatever the shell that started pytest has set.

Colour, terminal size, pagers, locale, time zone, proxies, keyrings and every `PURRR_*` or
`TEXTUAL_*` setting change what the code prints or where it reads and writes. `hermetic(base)`
returns `base` without them plus a fixed, known set (`FIXED`); tests/conftest.py applies it to
the test process (before collection, and again around every test), and subprocess-based tests
build their child's environment from the already clean `os.environ`, or from `hermetic()`.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Variables removed outright: each changes output, behaviour or where data goes.
CLEARED = frozenset(
    {
        # colour and terminal (Rich, Textual, Click, the CLI's own colour rules)
        "NO_COLOR",
        "FORCE_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "COLORTERM",
        "COLUMNS",
        "LINES",
        "JUPYTER_COLUMNS",
        "JUPYTER_LINES",
        "TTY_COMPATIBLE",
        "TTY_INTERACTIVE",
        "ESCDELAY",
        # pagers and editors a command could start
        "PAGER",
        "MANPAGER",
        "LESS",
        "EDITOR",
        "VISUAL",
        # where config, data and secrets live (HOME is replaced, see FIXED)
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
        "XDG_RUNTIME_DIR",
        "DBUS_SESSION_BUS_ADDRESS",
        # proxies: httpx honours them, and loopback servers must be reached directly
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
        # locale: replaced by LANG/LC_ALL in FIXED
        "LANGUAGE",
    }
)

#: Prefixes of variables removed outright: the app's own settings, Textual's switches, shell
#: completion requests, per-category locale overrides.
CLEARED_PREFIXES = ("PURRR_", "TEXTUAL_", "_PURRR_COMPLETE", "COMP_", "LC_")

#: Set to these values in every test (HOME is added by tests/conftest.py: a fresh directory).
FIXED: dict[str, str] = {
    "TERM": "xterm-256color",
    "TZ": "UTC",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PURRR_NO_KEYRING": "1",
    "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
}


#: Kept although a prefix above matches: pytest-textual-snapshot shares its report directory
#: with the xdist workers through TEXTUAL_SNAPSHOT_TEMPDIR.
KEPT_PREFIXES = ("TEXTUAL_SNAPSHOT_",)
#: The suite's own knobs, which no product code reads (tests/sync/test_simulation.py,
#: tests/sync/test_soak.py).
KEPT = frozenset({"PURRR_SIM_SEED", "PURRR_SOAK_SEED", "PURRR_SOAK_LOG", "PURRR_SOAK_FIRST_SEED"})


def is_cleared(name: str) -> bool:
    if name in KEPT or name.startswith(KEPT_PREFIXES):
        return False
    return name in CLEARED or name.startswith(CLEARED_PREFIXES)


def hermetic(base: Mapping[str, str], **extra: str) -> dict[str, str]:
    """`base` without the variables that change output, plus `FIXED` and then `extra`."""
    env = {name: value for name, value in base.items() if not is_cleared(name)}
    return {**env, **FIXED, **extra}
