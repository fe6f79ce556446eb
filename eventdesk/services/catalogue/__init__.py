"""What an event sells: events, sessions, ticket types, venues and categories."""
