"""One module per command group; each exposes `app = PurrrTyper(...)`, registered in app.GROUPS."""
