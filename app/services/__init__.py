"""The write side: each function is one unit of work and commits it."""
