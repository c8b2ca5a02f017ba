"""What the complaints side registers in tickets.hooks (see its table)."""
