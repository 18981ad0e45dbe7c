"""How outputs are judged: element metrics, task metrics per output role, accuracy verdicts."""
