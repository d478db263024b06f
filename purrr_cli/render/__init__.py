"""Rich renderables shared by the CLI and the dashboard (written once, printed or shown)."""
