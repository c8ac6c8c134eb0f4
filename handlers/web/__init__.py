"""The web front end: registered groups' intake form and status page (policy §5(4)), Flask."""
