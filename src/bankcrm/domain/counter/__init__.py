"""The counter's business rules (its policy table and settings), free of any framework so the
settings can carry them."""
