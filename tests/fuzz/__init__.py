"""Fuzz corpora of the data surfaces: configs, golden files, documents, manifests, names, options."""
