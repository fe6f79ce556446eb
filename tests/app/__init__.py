"""The app through Textual's Pilot: desk, kiosk, organizer and stats, signing in, start-up."""
