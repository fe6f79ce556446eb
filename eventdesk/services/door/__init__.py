"""Check-in at the door: the decision, its SQL, its answers, undo, the scan log, the print queue."""
