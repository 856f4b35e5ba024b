"""The Web API: HTTP plumbing in server.py, one module per method family."""
