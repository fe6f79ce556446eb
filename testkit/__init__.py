"""Test and benchmark fixtures: synthetic camera video, loopback label printers (Zebra and
ESC/POS), a pseudo-terminal for the app. Not the product."""
