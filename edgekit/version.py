"""edgekit's version: one place, read by the package metadata, documents and generated apps."""

__version__ = "0.1.0"
