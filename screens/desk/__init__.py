"""The desk mode: the screen (``screen``) and the parts only it uses."""
