"""Text edgekit writes for people and for other tools: byte sizes, and one escaping function per sink."""
