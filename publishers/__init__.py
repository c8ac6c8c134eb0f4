"""Publishers: one small interface, one module per platform."""
