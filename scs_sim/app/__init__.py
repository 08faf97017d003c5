"""Applications on top of the library: the command line, the HTML report and the explorer."""
