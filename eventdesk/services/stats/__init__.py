"""The numbers: reports and the live tallies."""
