"""What the chief decides: drafts, engagements and moderation items, one entry per action."""
