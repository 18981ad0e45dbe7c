"""TensorFlow sources read into TensorFlow: SavedModels, Keras files and TF.js graph models.

What ``convert`` converts and what ``tf-ref`` runs as the reference for TF.js graph models; it sits
below both, beside the runners.
"""
