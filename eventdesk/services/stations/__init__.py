"""Stations on a server: the offline door and its mirror, the link, uploads, the clock, logins."""
