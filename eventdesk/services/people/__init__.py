"""People and sales: attendees, staff and PINs, registration and the waitlist, payments and
refunds."""
