"""The command line: parse, call one library function, print; errors become exit codes."""
