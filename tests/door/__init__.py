"""The door: check-in, scanners and printers, stations, the offline mirror and its uploads."""
