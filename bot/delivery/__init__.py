"""The outboxes of actions and notices, and the one dispatcher that works through them."""
