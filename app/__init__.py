"""purdah-controller: pre-election publicity restrictions for UK councils."""
