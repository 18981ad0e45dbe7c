"""Versioned result documents: the base every kind shares, and the bench result."""
