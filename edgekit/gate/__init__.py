"""Gates: judge a candidate model against a baseline in CI."""
