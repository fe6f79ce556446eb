"""The kiosk mode: the screen (``screen``), its answer sign and the pictures only it uses."""
