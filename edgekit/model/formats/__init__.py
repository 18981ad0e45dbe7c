"""Readers that turn a model file into the model contract: one module per format."""
