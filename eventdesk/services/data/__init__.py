"""Data in and out: CSV import and export, import runs, backups, the demo."""
