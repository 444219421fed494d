"""`incident stats`: the numbers, their durations, and their JSON, text and Markdown forms."""
