"""Reading a news report into a drafted deal: pure functions over the text and a directory."""
