"""The store, the rules and the services, called directly: no app, no terminal."""
