"""The bench verb: plan runs, execute each in isolation, judge them against a reference."""
