"""The analytics pages: one module per page family, each thin over its selector module."""
