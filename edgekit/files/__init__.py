"""Reading and writing files safely: atomic writes, file-type checks before opening, data files."""
