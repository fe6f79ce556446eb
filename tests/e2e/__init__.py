"""End to end: real processes, a real terminal (tmux), a real browser, scale. Marked slow."""
