"""The stats mode: the screen (``screen``) and its bars, chart and numbers."""
