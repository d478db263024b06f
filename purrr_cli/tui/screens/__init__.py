"""Full-screen modes (cats, cat, night watch, breeding, games, wallet) and their dialogs."""
