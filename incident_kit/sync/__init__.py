"""`incident sync`: what is owed to people and tools, and delivering it."""
