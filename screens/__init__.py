"""The Textual app: one mode per role (desk, kiosk, organizer, stats) over the eventdesk services.

Talks to eventdesk/ services and kiosk/ devices only; the app itself arrives with its own issue.
"""
