"""The command line: its contract, exit codes, JSON, times and what it writes to a terminal."""
