"""What each record accepts: one pydantic model per record, read from forms, JSON bodies and CSV."""
