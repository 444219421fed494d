"""One line of facts per incident, for list, stats, the index and dedup."""
