"""Conversion of TensorFlow models into deployable variants (`edgekit convert`)."""
