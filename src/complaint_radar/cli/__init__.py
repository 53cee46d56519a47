"""The `complaint-radar` command line: thin Typer commands over the services layer."""
