"""Chat front ends: one package per platform, each calling the same core."""
