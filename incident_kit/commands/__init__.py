"""One module per CLI verb: typed functions that parse nothing, print, and return an exit code."""
