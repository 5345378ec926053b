"""The command line: server, up, down, demo, admin, doctor, studio."""
