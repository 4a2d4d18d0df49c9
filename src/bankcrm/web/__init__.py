"""The web UI (NiceGUI) for branch staff, in Chinese first: mounted in the same process as the
API, calling the services with the logged-in user, never the store directly."""
