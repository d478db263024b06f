"""purrr command-line front ends: the Typer command tree, the dashboard and the HTTP client."""

__version__ = "0.1.0"
