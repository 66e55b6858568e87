"""The base layer: errors, settings, SQLite, migrations, logging and tracing. It imports nothing above it."""
