"""Pictures of the screens (SVG snapshots), compared byte for byte."""
