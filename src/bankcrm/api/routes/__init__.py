"""One router per capability, each prefix-free: the app mounts them under /api/v1."""
