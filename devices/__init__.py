"""Devices: camera capture, QR decoders, keyboard-wedge input and printer transports.

No Textual import: devices report through callbacks and queues. OpenCV is imported through
``devices.opencv``, which silences its own console logging.
"""
