"""The `vngeo` command line: composes geodata, etl and maps at the edge."""
