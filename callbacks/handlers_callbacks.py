"""What the callbacks side registers in tickets.hooks (see its table)."""
