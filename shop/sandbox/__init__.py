"""The procurement sandbox: a built-in buyer simulator (cXML and OCI profiles, pages, runner)."""
