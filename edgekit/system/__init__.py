"""This machine and its processes: the environment fingerprint, native log capture."""
