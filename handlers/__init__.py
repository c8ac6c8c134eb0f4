"""Chat front ends: one package per front end, each calling the same core."""
