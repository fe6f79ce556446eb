"""The Textual app: one package per mode (``desk``, ``kiosk``, ``organizer``, ``stats``), each
with its screen and the widgets only it uses; what several modes share is here (the app, the
station's backend, sign-in, messages, the device workers, the terminal driver) and in
``widgets`` (which never imports a screen). Talks to eventdesk/ services and devices/ only.
"""
