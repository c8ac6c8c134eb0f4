"""Publishers: one small interface, one module per network."""
