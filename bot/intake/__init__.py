"""Group intake (policy §5(4)): registered groups send their own requests through a web form."""
